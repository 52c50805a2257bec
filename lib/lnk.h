/*
 * lnk.h - Windows Shell Link (.lnk, MS-SHLLINK) parsing for attach.lnk.
 *
 * LNK lures (Emotet 2022, many targeted campaigns) run cmd, powershell or
 * mshta with arguments hidden behind blank padding and a document icon.
 * lnk_parse() reads a shortcut from a byte buffer without trusting any
 * size or offset in it; lnk_suspicious() names what a person should see.
 * Pure functions: no I/O, no global state.
 */
#ifndef EMG_LNK_H
#define EMG_LNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emguard.h"

#define LNK_HEADER_SIZE 0x4C
/* Bytes of UTF-8 kept per string; longer ones are cut and flagged. */
#define LNK_MAX_STRING (32 * 1024)
/* ExtraData blocks read before giving up. */
#define LNK_MAX_BLOCKS 64

/* LinkFlags (MS-SHLLINK 2.1.1) used here. */
enum {
	LNK_HAS_TARGET_IDLIST = 0x00000001,
	LNK_HAS_LINK_INFO = 0x00000002,
	LNK_HAS_NAME = 0x00000004,
	LNK_HAS_RELATIVE_PATH = 0x00000008,
	LNK_HAS_WORKING_DIR = 0x00000010,
	LNK_HAS_ARGUMENTS = 0x00000020,
	LNK_HAS_ICON_LOCATION = 0x00000040,
	LNK_IS_UNICODE = 0x00000080,
	LNK_FORCE_NO_LINK_INFO = 0x00000100,
	LNK_HAS_EXP_STRING = 0x00000200,
	LNK_HAS_EXP_ICON = 0x00004000,
};

/* SW_SHOWMINNOACTIVE: lures start their console minimised. */
#define LNK_SHOW_MINNOACTIVE 7

/* What a shortcut says.  Every string is UTF-8 (StringData in UTF-16LE or,
 * without IsUnicode, the ANSI code page read as CP932), NULL when absent,
 * at most LNK_MAX_STRING bytes; embedded NULs are made visible. */
typedef struct lnk_info {
	uint32_t flags;           /* LinkFlags */
	uint32_t file_attributes; /* of the target */
	uint32_t file_size;       /* of the target */
	uint32_t show_command;    /* 1 normal, 3 maximised, 7 minimised */
	int32_t icon_index;
	char *idlist_path;        /* from the LinkTargetIDList items, e.g.
	                           * "C:\Windows\System32\cmd.exe"; its last
	                           * component is the last ItemID's name */
	char *local_base_path;    /* LinkInfo */
	char *common_path_suffix; /* LinkInfo */
	char *net_name;           /* LinkInfo network share, "\\server\share" */
	char *device_name;        /* LinkInfo mapped drive, "Z:" */
	char *name;               /* StringData NAME_STRING (description) */
	char *relative_path;      /* StringData RELATIVE_PATH */
	char *working_dir;        /* StringData WORKING_DIR */
	char *arguments;          /* StringData COMMAND_LINE_ARGUMENTS */
	size_t arguments_chars;   /* its length in characters, before any cut */
	char *icon_location;      /* StringData ICON_LOCATION */
	char *env_target;  /* EnvironmentVariableDataBlock, "%windir%.." */
	char *icon_env;    /* IconEnvironmentDataBlock */
	char *machine_id;  /* TrackerDataBlock: NetBIOS name of the
	                    * machine the shortcut was made on */
	size_t trailing;   /* bytes after the terminal block */
	unsigned n_blocks; /* ExtraData blocks seen */
	bool truncated;    /* a string was cut at LNK_MAX_STRING */
} lnk_info_t;

/* True when D (N bytes) starts with the Shell Link header and CLSID. */
bool lnk_is_shortcut(const uint8_t *d, size_t n);

/*
 * Parse the shortcut in D (N bytes) into OUT (overwritten; free it with
 * lnk_info_free() whatever the result).  Returns EMG_OK; EMG_EPARSE with the
 * first reason in WHY (may be NULL) when the input is not a shortcut or is
 * damaged, in which case OUT holds everything readable before and around
 * the damage (arguments of a truncated lure still show); EMG_EINVAL;
 * EMG_ENOMEM.
 */
emg_status_t lnk_parse(const uint8_t *d, size_t n, lnk_info_t *out, char *why,
                       size_t whylen);

/* Free the strings of INFO and zero it. */
void lnk_info_free(lnk_info_t *info);

/* The best guess of what the shortcut runs: the environment target, the
 * LinkInfo local path, the ItemID path, the network share, or the relative
 * path, whichever comes first; NULL when none. */
const char *lnk_target(const lnk_info_t *info);

/* The suspicious programs and arguments seen, comma-separated into BUF
 * (always terminated when BUFLEN > 0; cut at an item boundary), e.g.
 * "powershell, -enc, https://, padded arguments (1203 chars)".  Returns
 * the number of indicators found, whether or not all fitted. */
size_t lnk_suspicious(const lnk_info_t *info, char *buf, size_t buflen);

#endif
