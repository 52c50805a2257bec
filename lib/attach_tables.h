/*
 * attach_tables.h - the data behind attach.c: which extensions run, which
 * real (libmagic) types an extension or a declared Content-Type may hold,
 * and which types are executables, scripts, archives and disk images.
 * Tables only, no code; included by attach.c alone (the statics are its
 * own), so that the rules can be read and changed without the logic.
 */
#ifndef EMG_ATTACH_TABLES_H
#define EMG_ATTACH_TABLES_H
/* Extensions Windows runs, opens in a script host or an installer, or
 * follows as a link.  .exe .com .dll are executables by name; .lnk is a
 * shortcut; disk images mount on a double click. */
static const char *const attach_exe_exts[] = {"exe", "com", "dll"};
static const char *const attach_script_exts[] = {
	"js",    "jse",        "vbs",       "vbe",  "wsf",  "wsh",
	"hta",   "ps1",        "psm1",      "bat",  "cmd",  "scr",
	"pif",   "cpl",        "msi",       "jar",  "reg",  "xll",
	"iqy",   "slk",        "url",       "chm",  "msc",  "sct",
	"wsc",   "appref-ms",  "library-ms", "search-ms",
	"settingcontent-ms",
};
static const char *const attach_image_exts[] = {"iso", "img", "ima", "vhd",
                                                "vhdx", "udf"};

/* Extensions a lure shows in front of the real one. */
static const char *const attach_decoy_exts[] = {
	"pdf", "doc", "docx", "docm", "xls", "xlsx", "xlsm", "ppt",  "pptx",
	"rtf", "txt", "csv",  "jpg",  "jpeg", "png", "gif",  "bmp",  "tif",
	"tiff", "zip", "rar", "7z",   "lzh",  "htm", "html", "mp3",  "mp4",
	"wav", "avi", "mov",  "xps",  "one",  "jtd", "hwp",  "odt",  "ods",
	"eml", "msg",
};

/* Groups of real (libmagic) types; a trailing '*' matches a prefix.
 * libmagic calls a password-protected Office file (CDFV2 Encrypted)
 * application/encrypted. */
#define T_OLE                                                                  \
	"application/msword application/vnd.ms-excel "                         \
	"application/vnd.ms-powerpoint application/vnd.ms-office "             \
	"application/x-ole-storage application/cdfv2* "                        \
	"application/vnd.ms-outlook application/encrypted "
#define T_OOXML                                                                \
	"application/vnd.openxmlformats-officedocument.* "                     \
	"application/vnd.ms-word.* application/vnd.ms-excel.* "                \
	"application/vnd.ms-powerpoint.* "
#define T_ZIP "application/zip application/x-zip-compressed "
#define T_ODF "application/vnd.oasis.opendocument.* "
#define T_RTF "text/rtf application/rtf "
#define T_MARKUP                                                               \
	"text/html text/xml application/xml text/plain multipart/related "     \
	"message/rfc822 "

/*
 * Extension -> real types it may hold.  Only extensions whose content
 * libmagic knows well are listed; an extension not here never mismatches.
 * Office formats are generous on purpose (Word opens RTF, HTML and MHT
 * saved as .doc, an .xls is often an HTML or CSV export, OOXML is a zip):
 * the mismatch that matters is an executable, a shortcut or an image in a
 * document's clothes, and those fall outside every list.  Any image type
 * passes for any image extension (a PNG saved as .jpg is everyday web
 * junk, not an attack).
 */
static const struct {
	const char *ext;
	const char *accept;
} attach_types[] = {
	{"pdf", "application/pdf application/x-pdf"},
	{"doc", T_OLE T_OOXML T_ZIP T_RTF T_MARKUP},
	{"dot", T_OLE T_OOXML T_ZIP T_RTF T_MARKUP},
	{"xls", T_OLE T_OOXML T_ZIP T_MARKUP "text/csv application/csv"},
	{"ppt", T_OLE T_OOXML T_ZIP},
	{"docx", T_OOXML T_ZIP T_OLE},
	{"docm", T_OOXML T_ZIP T_OLE},
	{"dotx", T_OOXML T_ZIP T_OLE},
	{"dotm", T_OOXML T_ZIP T_OLE},
	{"xlsx", T_OOXML T_ZIP T_OLE},
	{"xlsm", T_OOXML T_ZIP T_OLE},
	{"xlsb", T_OOXML T_ZIP T_OLE},
	{"pptx", T_OOXML T_ZIP T_OLE},
	{"pptm", T_OOXML T_ZIP T_OLE},
	{"odt", T_ODF T_ZIP},
	{"ods", T_ODF T_ZIP},
	{"odp", T_ODF T_ZIP},
	{"rtf", T_RTF "text/plain"},
	{"msg", T_OLE},
	{"jpg", "image/*"},
	{"jpeg", "image/*"},
	{"jpe", "image/*"},
	{"jfif", "image/*"},
	{"png", "image/*"},
	{"gif", "image/*"},
	{"bmp", "image/*"},
	{"tif", "image/*"},
	{"tiff", "image/*"},
	{"zip", T_ZIP T_OOXML T_ODF "application/java-archive"},
	{"7z", "application/x-7z-compressed"},
	{"rar", "application/x-rar application/vnd.rar "
	        "application/x-rar-compressed"},
	{"lzh", "application/x-lzh-compressed application/x-lha "
	        "application/x-lharc"},
	{"lha", "application/x-lzh-compressed application/x-lha "
	        "application/x-lharc"},
	{"gz", "application/gzip application/x-gzip"},
	{"tgz", "application/gzip application/x-gzip"},
	{"tar", "application/x-tar application/x-gtar"},
	{"cab", "application/vnd.ms-cab-compressed"},
	{"txt", "text/* application/csv application/json application/xml"},
	{"csv", "text/* application/csv application/vnd.ms-excel"},
	{"htm", "text/html text/plain text/xml application/xml "
	        "application/xhtml+xml"},
	{"html", "text/html text/plain text/xml application/xml "
	         "application/xhtml+xml"},
	{"mp3", "audio/*"},
	{"mp4", "video/* audio/*"},
};

/* Declared Content-Type -> the extension whose row above applies.  Generic
 * declarations (octet-stream, any text or message type) are never judged. */
static const struct {
	const char *type;
	const char *ext;
} attach_declared[] = {
	{"application/pdf", "pdf"},
	{"application/msword", "doc"},
	{"application/vnd.ms-excel", "xls"},
	{"application/vnd.ms-powerpoint", "ppt"},
	{"application/vnd.openxmlformats-officedocument.wordprocessingml."
	 "document", "docx"},
	{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	 "xlsx"},
	{"application/vnd.openxmlformats-officedocument.presentationml."
	 "presentation", "pptx"},
	{"application/rtf", "rtf"},
	{"image/jpeg", "jpg"},
	{"image/jpg", "jpg"},
	{"image/pjpeg", "jpg"},
	{"image/png", "png"},
	{"image/gif", "gif"},
	{"image/bmp", "bmp"},
	{"image/tiff", "tif"},
	{"application/zip", "zip"},
	{"application/x-zip-compressed", "zip"},
	{"application/x-7z-compressed", "7z"},
	{"application/x-rar-compressed", "rar"},
	{"application/vnd.rar", "rar"},
	{"application/x-lzh-compressed", "lzh"},
};

/* Real types (and libmagic descriptions) of executables. */
static const char *const attach_exe_types =
    "application/vnd.microsoft.portable-executable application/x-dosexec "
    "application/x-msdownload application/x-ms-dos-executable "
    "application/x-executable application/x-sharedlib "
    "application/x-pie-executable application/x-elf "
    "application/x-mach-binary application/x-mach-o*";
static const char *const attach_exe_descs[] = {"PE32", "MS-DOS executable",
                                               "ELF ", "Mach-O"};

/* Real types and description fragments of scripts and launchers. */
static const char *const attach_script_types =
    "text/x-msdos-batch text/x-ms-regedit application/x-mswinurl "
    "application/vnd.ms-htmlhelp application/x-msi application/x-ms-installer "
    "application/java-archive application/x-java-archive "
    "application/javascript text/javascript application/x-sylk "
    "application/hta";
static const char *const attach_script_descs[] = {
	"pwsh script", "PowerShell", "MSI Installer", "Windows Registry",
	"Internet shortcut", "HtmlHelp",
};

/* Text only a script host runs: an HTA wherever it appears (mshta runs
 * any HTML that declares one); the rest only in files without an
 * extension of their own (OneNote embedded files, whose names the section
 * keeps elsewhere), since a web page or a mail may quote them. */
static const char *const attach_hta_marks[] = {"<hta:application"};
static const char *const attach_script_marks[] = {
	"wscript.shell", "wscript.createobject", "createobject(",
	"activexobject", "shell.application", "<job", "powershell",
	"mshta", "cmd /c", "cmd.exe /c",
};

/* What a node is as a container. */
typedef enum attach_kind {
	ATTACH_K_NONE,
	ATTACH_K_ARCHIVE,    /* zip, 7z, rar, tar, lzh, cab ... */
	ATTACH_K_COMPRESSOR, /* gzip, bzip2, xz: one stream, not a folder */
	ATTACH_K_IMAGE,      /* ISO, UDF, VHD(X), IMG */
	ATTACH_K_ONENOTE,
	ATTACH_K_MESSAGE,    /* an attached e-mail */
} attach_kind_t;

static const struct {
	const char *type;
	attach_kind_t kind;
} attach_kinds[] = {
	{"application/zip", ATTACH_K_ARCHIVE},
	{"application/x-zip-compressed", ATTACH_K_ARCHIVE},
	{"application/x-7z-compressed", ATTACH_K_ARCHIVE},
	{"application/x-rar", ATTACH_K_ARCHIVE},
	{"application/vnd.rar", ATTACH_K_ARCHIVE},
	{"application/x-rar-compressed", ATTACH_K_ARCHIVE},
	{"application/x-tar", ATTACH_K_ARCHIVE},
	{"application/x-gtar", ATTACH_K_ARCHIVE},
	{"application/x-lzh-compressed", ATTACH_K_ARCHIVE},
	{"application/x-lha", ATTACH_K_ARCHIVE},
	{"application/x-lharc", ATTACH_K_ARCHIVE},
	{"application/vnd.ms-cab-compressed", ATTACH_K_ARCHIVE},
	{"application/x-cpio", ATTACH_K_ARCHIVE},
	{"application/gzip", ATTACH_K_COMPRESSOR},
	{"application/x-gzip", ATTACH_K_COMPRESSOR},
	{"application/x-bzip2", ATTACH_K_COMPRESSOR},
	{"application/x-xz", ATTACH_K_COMPRESSOR},
	{"application/x-lzma", ATTACH_K_COMPRESSOR},
	{"application/zstd", ATTACH_K_COMPRESSOR},
	{"application/x-iso9660-image", ATTACH_K_IMAGE},
	{"application/x-udf-image", ATTACH_K_IMAGE},
	{"application/x-virtualbox-vhd", ATTACH_K_IMAGE},
	{"application/x-virtualbox-vhdx", ATTACH_K_IMAGE},
	{"application/x-raw-disk-image", ATTACH_K_IMAGE},
	{"application/onenote", ATTACH_K_ONENOTE},
	{"application/msonenote", ATTACH_K_ONENOTE},
	{"message/rfc822", ATTACH_K_MESSAGE},
};

/* walk.c container names that are not archives (the rest are). */
static const struct {
	const char *name;
	attach_kind_t kind;
} attach_containers[] = {
	{"gzip", ATTACH_K_COMPRESSOR}, {"bzip2", ATTACH_K_COMPRESSOR},
	{"xz", ATTACH_K_COMPRESSOR},   {"lzma", ATTACH_K_COMPRESSOR},
	{"zstd", ATTACH_K_COMPRESSOR}, {"iso", ATTACH_K_IMAGE},
	{"udf", ATTACH_K_IMAGE},       {"vhd", ATTACH_K_IMAGE},
	{"vhdx", ATTACH_K_IMAGE},      {"img", ATTACH_K_IMAGE},
	{"onenote", ATTACH_K_ONENOTE}, {"rfc822", ATTACH_K_MESSAGE},
	/* a file smuggled in a web page: the page is no folder */
	{"html", ATTACH_K_NONE},
};

static const char *const attach_image_descs[] = {
	"ISO 9660", "UDF filesystem", "Microsoft Disk Image",
	"DOS/MBR boot sector",
};

#define ATTACH_N(a) (sizeof(a) / sizeof((a)[0]))

#endif
