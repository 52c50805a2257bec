/*
 * walk_office.c - the attachment walker's part for Office documents: what
 * must be opened before an analyzer can judge them, and what they carry.
 *
 *   - A password-protected document (an OOXML EncryptedPackage, an RC4 or
 *     XOR protected .xls, an RC4 .doc, a .ppt) is tried with Excel's
 *     built-in VelvetSweatshop and then the message's password candidates,
 *     like an encrypted ZIP member.  What the password opens becomes a
 *     child: the decrypted package (a .docx/.xlsm to walk and judge), or
 *     the decrypted Workbook / WordDocument stream, which office.c reads
 *     as such (container "office-encryption").  The document itself
 *     carries encrypted, enc_method, opened_with and password_failed, so
 *     attach.c reports it as it reports an encrypted archive.
 *   - Files embedded in a document (OLE Package objects, PowerPoint's
 *     ExOleObjStg storages, OOXML embeddings, which walk.c reads as ZIP
 *     members) become children, so that the LNK or executable a lure
 *     hides inside a document is judged like any attachment.
 *   - A compound file libgsf refuses is a problem of the node
 *     (attach.unscannable with libgsf's reason).
 * Every read is bounded by the node's size and LimitArchiveBytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attachment.h"
#include "officecrypt.h"
#include "ole.h"
#include "oleobj.h"
#include "walk_int.h"
#include "xls.h"

/* EncryptionInfo is a header of a few KiB; larger is not Office's. */
#define WALK_OFFICE_INFO_MAX (1u << 20)
/* The FIB fields officecrypt.c reads: flags at 0x0A. */
#define WALK_OFFICE_FIB_FLAGS 0x0A
#define WALK_OFFICE_FIB_ENCRYPTED 0x0100
#define WALK_OFFICE_FIB_TABLE1 0x0200

/* What an encrypted document needs decrypted, and what it gives. */
typedef enum walk_office_enc {
	WALK_ENC_PACKAGE = 1, /* OOXML EncryptedPackage: a ZIP child */
	WALK_ENC_BIFF,        /* .xls Workbook stream: a child stream */
	WALK_ENC_WORD,        /* .doc WordDocument stream: a child stream */
	WALK_ENC_PPT,         /* .ppt: the password is checked, no child */
} walk_office_enc_t;

/* One encrypted document being opened. */
typedef struct walk_office_doc {
	walk_state_t *st;
	emg_attachment_t *node;
	ole_file_t *ole;
	walk_office_enc_t what;
	officecrypt_t *crypt;
	uint8_t *stream;   /* the stream to decrypt (package, Workbook, ...) */
	size_t stream_len;
	const char *child; /* the decrypted child's name */
} walk_office_doc_t;

bool
walk_office_is_embedding(const char *name)
{
	if (name == NULL)
		return false;
	const char *e = strstr(name, "/embeddings/");
	return e != NULL && e[strlen("/embeddings/")] != '\0' &&
	       name[strlen(name) - 1] != '/';
}

/* The method names of attach.c's details: static, as enc_method is not
 * owned by the node. */
static const char *
walk_office_method(officecrypt_kind_t kind, walk_office_enc_t what)
{
	switch (kind) {
	case OFFICECRYPT_AGILE:
		return "office-agile-aes";
	case OFFICECRYPT_STANDARD:
		return "office-standard-aes128";
	case OFFICECRYPT_RC4_CRYPTOAPI:
		return "office-rc4-cryptoapi";
	case OFFICECRYPT_RC4:
		return "office-rc4";
	case OFFICECRYPT_XOR:
		return "office-xor";
	}
	return what == WALK_ENC_PACKAGE ? "office-package" : "office-unknown";
}

/* Read stream PATH of D's document whole (bounded by the file's size:
 * a stream cannot be larger than the file that holds it). */
static emg_status_t
walk_office_read(walk_office_doc_t *d, const char *path, uint8_t **buf,
                 size_t *len)
{
	emg_status_t rc = ole_read(d->ole, path, d->node->size, buf, len);
	if (rc == EMG_ENOMEM || rc == EMG_OK)
		return rc;
	/* A stream libgsf cannot read (broken chain) or one larger than the
	 * file: the document is damaged, which is worth saying. */
	*buf = NULL;
	*len = 0;
	return attachment_problem(d->node, "corrupt OLE2 stream %s", path) == 0
	           ? EMG_OK
	           : EMG_ENOMEM;
}

/* An OOXML package in a compound file: EncryptionInfo + EncryptedPackage. */
static emg_status_t
walk_office_package(walk_office_doc_t *d, char *why, size_t whylen)
{
	uint8_t *info = NULL;
	size_t ilen = 0;
	emg_status_t rc = ole_read(d->ole, "EncryptionInfo",
	                           WALK_OFFICE_INFO_MAX, &info, &ilen);
	if (rc == EMG_ENOMEM)
		return rc;
	d->what = WALK_ENC_PACKAGE;
	d->child = d->node->name != NULL ? d->node->name : "EncryptedPackage";
	if (rc != EMG_OK || info == NULL) {
		snprintf(why, whylen, "EncryptionInfo stream not readable");
		free(info);
		return EMG_EPARSE;
	}
	rc = officecrypt_from_encryption_info(info, ilen, &d->crypt, why,
	                                      whylen);
	free(info);
	if (rc != EMG_OK)
		return rc;
	return walk_office_read(d, "EncryptedPackage", &d->stream,
	                        &d->stream_len);
}

/* A Workbook (BIFF8) or Book (BIFF5) stream with a FILEPASS record.
 * EMG_OK with D->crypt NULL when the workbook is not encrypted. */
static emg_status_t
walk_office_biff(walk_office_doc_t *d, const char *path, char *why,
                 size_t whylen)
{
	emg_status_t rc = walk_office_read(d, path, &d->stream, &d->stream_len);
	if (rc != EMG_OK || d->stream == NULL)
		return rc;
	xls_result_t x;
	rc = xls_scan_biff(d->stream, d->stream_len, &x);
	bool enc = rc == EMG_OK && x.encrypted &&
	           x.filepass_offset + 4 <= d->stream_len &&
	           x.filepass_len <= d->stream_len - x.filepass_offset - 4;
	size_t off = x.filepass_offset + 4, len = x.filepass_len;
	xls_result_free(&x);
	if (rc != EMG_OK || !enc)
		return rc;
	d->what = WALK_ENC_BIFF;
	d->child = path;
	return officecrypt_from_filepass(d->stream + off, len, &d->crypt, why,
	                                 whylen);
}

/* A WordDocument stream whose FIB says encrypted (or obfuscated). */
static emg_status_t
walk_office_word(walk_office_doc_t *d, char *why, size_t whylen)
{
	emg_status_t rc = walk_office_read(d, "WordDocument", &d->stream,
	                                   &d->stream_len);
	if (rc != EMG_OK || d->stream == NULL ||
	    d->stream_len < WALK_OFFICE_FIB_FLAGS + 2)
		return rc;
	unsigned flags = d->stream[WALK_OFFICE_FIB_FLAGS] |
	                 (unsigned)d->stream[WALK_OFFICE_FIB_FLAGS + 1] << 8;
	if (!(flags & WALK_OFFICE_FIB_ENCRYPTED))
		return EMG_OK;
	d->what = WALK_ENC_WORD;
	d->child = "WordDocument";
	uint8_t *table = NULL;
	size_t tlen = 0;
	rc = walk_office_read(d, flags & WALK_OFFICE_FIB_TABLE1 ? "1Table"
	                                                        : "0Table",
	                      &table, &tlen);
	if (rc != EMG_OK)
		return rc;
	rc = officecrypt_from_word(d->stream, d->stream_len, table, tlen,
	                           &d->crypt, why, whylen);
	free(table);
	return rc;
}

/* A PowerPoint 97-2003 document with an encrypted edit (EncryptedSummary
 * is written only then). */
static emg_status_t
walk_office_ppt(walk_office_doc_t *d, char *why, size_t whylen)
{
	uint8_t *user = NULL;
	size_t ulen = 0;
	d->what = WALK_ENC_PPT;
	emg_status_t rc = walk_office_read(d, "Current User", &user, &ulen);
	if (rc == EMG_OK)
		rc = walk_office_read(d, "PowerPoint Document", &d->stream,
		                      &d->stream_len);
	if (rc == EMG_OK)
		rc = officecrypt_from_ppt(user, ulen, d->stream, d->stream_len,
		                          &d->crypt, why, whylen);
	free(user);
	return rc;
}

/* Which kind of encrypted document D->node is, with its header parsed
 * into D->crypt.  EMG_OK with D->what 0: not encrypted.  EMG_EPARSE with
 * WHY: encrypted, but in a way that cannot be opened. */
static emg_status_t
walk_office_detect(walk_office_doc_t *d, char *why, size_t whylen)
{
	ole_file_t *ole = d->ole;
	if (ole_has(ole, "EncryptedPackage") && ole_has(ole, "EncryptionInfo"))
		return walk_office_package(d, why, whylen);
	if (ole_has(ole, "Workbook"))
		return walk_office_biff(d, "Workbook", why, whylen);
	if (ole_has(ole, "Book"))
		return walk_office_biff(d, "Book", why, whylen);
	if (ole_has(ole, "WordDocument"))
		return walk_office_word(d, why, whylen);
	if (ole_has(ole, "PowerPoint Document") &&
	    ole_has(ole, "EncryptedSummary"))
		return walk_office_ppt(d, why, whylen);
	return EMG_OK;
}

/* The candidate that opens D: Excel's built-in password first, then the
 * message's.  *SOURCE is where it came from, NULL when none did. */
static emg_status_t
walk_office_try(walk_office_doc_t *d, const char **pw, const char **source)
{
	walk_state_t *st = d->st;
	*pw = *source = NULL;
	bool ok = false;
	emg_status_t rc = officecrypt_try(d->crypt, OFFICECRYPT_EXCEL_DEFAULT,
	                                  &ok);
	if (rc != EMG_OK || ok) {
		if (ok) {
			*pw = OFFICECRYPT_EXCEL_DEFAULT;
			*source = "Excel's built-in default ("
			          OFFICECRYPT_EXCEL_DEFAULT ")";
		}
		return rc;
	}
	if ((rc = walk_passwords(st)) != EMG_OK)
		return rc;
	for (size_t k = 0; k < st->pw.n; k++) {
		if (walk_timed_out(st, d->node, "password candidates not all "
		                   "tried"))
			return EMG_OK;
		rc = officecrypt_try(d->crypt, st->pw.v[k].text, &ok);
		if (rc != EMG_OK)
			return rc;
		if (ok) {
			*pw = st->pw.v[k].text;
			*source = st->pw.v[k].source;
			return EMG_OK;
		}
	}
	return EMG_OK;
}

/* Decrypt what D holds and add it as a child.  The key is in D->crypt. */
static emg_status_t
walk_office_decrypt(walk_office_doc_t *d)
{
	walk_state_t *st = d->st;
	uint8_t *out = NULL;
	size_t len = d->stream_len;
	emg_status_t rc = EMG_OK;
	size_t max = st->bytes_left < SIZE_MAX ? (size_t)st->bytes_left
	                                       : SIZE_MAX;
	switch (d->what) {
	case WALK_ENC_PACKAGE:
		rc = officecrypt_decrypt_package(d->crypt, d->stream,
		                                 d->stream_len, max, &out, &len);
		break;
	case WALK_ENC_BIFF:
		rc = officecrypt_decrypt_biff(d->crypt, d->stream,
		                              d->stream_len, &out);
		break;
	case WALK_ENC_WORD:
		rc = officecrypt_decrypt_word_stream(d->crypt, d->stream,
		                                     d->stream_len, true, &out);
		break;
	case WALK_ENC_PPT:
		return EMG_OK; /* the password is known to open it; no child */
	}
	if (rc == EMG_ENOMEM)
		return rc;
	if (rc == EMG_ELIMIT || (rc == EMG_OK && (uint64_t)len > st->bytes_left)) {
		free(out);
		if (attachment_problem(d->node, "LimitArchiveBytes %llu reached: "
		                       "decrypted document not scanned",
		                       (unsigned long long)
		                           st->lim->archive_bytes) != 0)
			return EMG_ENOMEM;
		return walk_stop_tree(st, d->node);
	}
	if (rc != EMG_OK || out == NULL) {
		free(out);
		return attachment_problem(d->node, "corrupt encrypted document: "
		                          "decryption failed") == 0
		           ? EMG_OK
		           : EMG_ENOMEM;
	}
	if (walk_add_child(st, d->node, d->child, out, len, true,
	                   "office-encryption") == NULL)
		return EMG_ENOMEM;
	d->node->expanded = true;
	return EMG_OK;
}

/* A password-protected document: try the candidates, decrypt. */
static emg_status_t
walk_office_encryption(walk_state_t *st, emg_attachment_t *node,
                       ole_file_t *ole)
{
	walk_office_doc_t d = {.st = st, .node = node, .ole = ole};
	char why[256] = "";
	emg_status_t rc = walk_office_detect(&d, why, sizeof(why));
	if (rc == EMG_ENOMEM || d.what == 0)
		goto done;
	node->encrypted = true;
	node->enc_method = walk_office_method(
	    d.crypt != NULL ? officecrypt_kind(d.crypt) : 0, d.what);
	if (rc != EMG_OK || d.crypt == NULL) {
		/* Encrypted in a way we cannot open (DRM, an unknown
		 * header): not opened, and the reason is on the node. */
		rc = attachment_problem(node, "encrypted Office document not "
		                        "opened: %s",
		                        why[0] ? why : "unsupported encryption") == 0
		         ? EMG_OK
		         : EMG_ENOMEM;
		goto done;
	}
	const char *pw = NULL, *source = NULL;
	rc = walk_office_try(&d, &pw, &source);
	if (rc != EMG_OK)
		goto done;
	if (pw == NULL) {
		node->password_failed = true;
		goto done;
	}
	if ((node->opened_with = strdup(source)) == NULL) {
		rc = EMG_ENOMEM;
		goto done;
	}
	rc = walk_office_decrypt(&d);
done:
	officecrypt_free(d.crypt);
	free(d.stream);
	return rc;
}

/* Move the files of L onto NODE as children. */
static emg_status_t
walk_office_adopt(walk_state_t *st, emg_attachment_t *node, oleobj_list_t *l)
{
	for (size_t i = 0; i < l->n; i++) {
		oleobj_file_t *f = &l->v[i];
		if ((uint64_t)f->len > st->bytes_left) {
			l->truncated = true;
			break;
		}
		uint8_t *data = f->data;
		f->data = NULL;
		if (walk_add_child(st, node, f->name ? f->name : "embedded",
		                   data, f->len, true, "ole-object") == NULL)
			return EMG_ENOMEM;
		node->expanded = true;
	}
	for (size_t i = 0; i < l->problems.n; i++)
		if (attachment_problem(node, "%s", l->problems.v[i]) != 0)
			return EMG_ENOMEM;
	if (!l->truncated)
		return EMG_OK;
	if (attachment_problem(node, "LimitArchiveFiles or LimitArchiveBytes "
	                       "reached: embedded objects not all read") != 0)
		return EMG_ENOMEM;
	return walk_stop_tree(st, node);
}

/* The storages PowerPoint 97-2003 keeps in its document stream: their
 * embedded objects join L. */
static emg_status_t
walk_office_ppt_objects(walk_state_t *st, emg_attachment_t *node,
                        ole_file_t *ole, size_t max_files, size_t max_bytes,
                        oleobj_list_t *l)
{
	uint8_t *doc = NULL;
	size_t dlen = 0;
	emg_status_t rc = ole_read(ole, "PowerPoint Document", node->size, &doc,
	                           &dlen);
	if (rc == EMG_ENOMEM || doc == NULL)
		return rc == EMG_ENOMEM ? rc : EMG_OK;
	oleobj_list_t stg = {0};
	rc = oleobj_ppt_storages(doc, dlen, max_files, max_bytes, &stg);
	free(doc);
	for (size_t i = 0; rc == EMG_OK && i < stg.n; i++) {
		ole_file_t *sub = NULL;
		char why[128];
		emg_status_t o = ole_open(stg.v[i].data, stg.v[i].len, &sub, why,
		                          sizeof(why));
		if (o == EMG_ENOMEM)
			rc = o;
		if (o != EMG_OK)
			continue;
		rc = oleobj_extract(sub, max_files, max_bytes, l);
		ole_close(sub);
	}
	for (size_t i = 0; rc == EMG_OK && i < stg.problems.n; i++)
		if (strlist_add(&l->problems, stg.problems.v[i], (size_t)-1) != 0)
			rc = EMG_ENOMEM;
	l->truncated |= stg.truncated;
	oleobj_list_free(&stg);
	return rc;
}

/* Embedded files of a compound file become children. */
static emg_status_t
walk_office_objects(walk_state_t *st, emg_attachment_t *node, ole_file_t *ole)
{
	const emg_limits_t *lim = st->lim;
	size_t max_files = lim->archive_files ? lim->archive_files : SIZE_MAX;
	size_t max_bytes = st->bytes_left < SIZE_MAX ? (size_t)st->bytes_left
	                                             : SIZE_MAX;
	oleobj_list_t l = {0};
	emg_status_t rc = oleobj_extract(ole, max_files, max_bytes, &l);
	if (rc == EMG_OK && ole_has(ole, "PowerPoint Document"))
		rc = walk_office_ppt_objects(st, node, ole, max_files, max_bytes,
		                             &l);
	if (rc == EMG_OK)
		rc = walk_office_adopt(st, node, &l);
	oleobj_list_free(&l);
	return rc;
}

emg_status_t
walk_office_ole(walk_state_t *st, emg_attachment_t *node)
{
	ole_file_t *ole = NULL;
	char why[256] = "";
	emg_status_t rc = ole_open(node->data, node->size, &ole, why,
	                           sizeof(why));
	if (rc == EMG_ENOMEM)
		return rc;
	/* A padded member keeps only its head: a compound file cut there
	 * is our doing, and attach.inflated already says what happened. */
	if (rc != EMG_OK && node->inflated)
		return EMG_OK;
	if (rc != EMG_OK)
		return attachment_problem(node, "corrupt OLE2 compound file: %s",
		                          why[0] ? why : "not readable") == 0
		           ? EMG_OK
		           : EMG_ENOMEM;
	if (ole_damage(ole) != NULL && !node->inflated &&
	    attachment_problem(node, "damaged OLE2 compound file: %s",
	                       ole_damage(ole)) != 0)
		rc = EMG_ENOMEM;
	if (rc == EMG_OK)
		rc = walk_office_encryption(st, node, ole);
	if (rc == EMG_OK && !walk_timed_out(st, node, "embedded objects not read"))
		rc = walk_office_objects(st, node, ole);
	ole_close(ole);
	return rc;
}
