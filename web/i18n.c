/*
 * i18n.c - every text of emguard-web in Japanese (the default) and
 * English, and one plain sentence per finding category of the DESIGN.md
 * taxonomy for IT staff who are no mail experts.
 *
 * The texts are whole phrases, never printf formats: a page puts numbers
 * and names next to them, so a translation cannot break the output.
 */
#include <string.h>
#include <sys/types.h>

#include "web.h"

typedef struct i18n_pair {
	const char *ja, *en;
} i18n_pair_t;

static const i18n_pair_t i18n_msgs[M__COUNT] = {
    [M_PRODUCT] = {"emguard 隔離メール", "emguard quarantine"},
    [M_SUBTITLE] = {"隔離されたメールの確認と解放",
                    "Review and release held mail"},
    [M_SIGNED_IN_AS] = {"ログイン中:", "Signed in as"},
    [M_LOGOUT] = {"ログアウト", "Log out"},
    [M_LANG_OTHER] = {"English", "日本語"},
    [M_NAV_LIST] = {"隔離一覧", "Quarantine"},
    [M_NAV_AUDIT] = {"操作履歴", "Audit log"},
    [M_LOGIN_TITLE] = {"ログイン", "Log in"},
    [M_LOGIN_USER] = {"ユーザー名", "User name"},
    [M_LOGIN_PASSWORD] = {"パスワード", "Password"},
    [M_LOGIN_SUBMIT] = {"ログイン", "Log in"},
    [M_LOGIN_BAD] = {"ユーザー名またはパスワードが違います。",
                     "Wrong user name or password."},
    [M_LOGIN_LIMITED] = {"ログインの失敗が続いたため、しばらくログインでき"
                         "ません。5 分ほど待ってからやり直してください。",
                         "Too many failed logins. Wait about five minutes, "
                         "then try again."},
    [M_LOGIN_EXPIRED] = {"ログインの有効期限が切れました。もう一度ログイン"
                         "してください。",
                         "Your login has expired. Please log in again."},
    [M_LOGIN_FORM_STALE] = {"ログイン画面が古いか、ほかのページから送信されま"
                            "した。もう一度ログインしてください。",
                            "The login form was out of date or sent from "
                            "another page. Please log in again."},
    [M_LIST_TITLE] = {"隔離されたメール", "Quarantined mail"},
    [M_FILTER_Q] = {"検索 (件名・差出人・宛先)",
                    "Search (subject, sender, recipient)"},
    [M_FILTER_STATUS] = {"状態", "Status"},
    [M_FILTER_SYMBOL] = {"検出名", "Symbol"},
    [M_FILTER_ACTION] = {"判定", "Verdict"},
    [M_FILTER_SINCE] = {"この日以降", "Since"},
    [M_FILTER_SUBMIT] = {"絞り込む", "Filter"},
    [M_FILTER_ANY] = {"すべて", "Any"},
    [M_FILTER_BAD_SINCE] = {"日付は 2026-01-31 の形で入力してください。",
                            "Enter the date as 2026-01-31."},
    [M_STATUS_ALL] = {"すべて", "All"},
    [M_COL_ARRIVED] = {"受信日時", "Arrived"},
    [M_COL_SCORE] = {"スコア", "Score"},
    [M_COL_ACTION] = {"判定", "Verdict"},
    [M_COL_FROM] = {"差出人", "From"},
    [M_COL_SUBJECT] = {"件名", "Subject"},
    [M_COL_RCPT] = {"宛先", "Recipients"},
    [M_COL_STATUS] = {"状態", "Status"},
    [M_COL_REASON] = {"主な理由", "Main reason"},
    [M_MORE_REASONS] = {" ほか", " and more"},
    [M_TOTAL] = {"件", "messages"},
    [M_PAGE_PREV] = {"← 前へ", "← Previous"},
    [M_PAGE_NEXT] = {"次へ →", "Next →"},
    [M_PAGE_OF] = {"ページ", "Page"},
    [M_EMPTY_LIST] = {"条件に合うメールはありません。",
                      "No mail matches these filters."},
    [M_NO_SUBJECT] = {"(件名なし)", "(no subject)"},
    [M_WHY] = {"隔離された理由", "Why this mail was held"},
    [M_WHY_SCORE_1] = {"このメールは危険度のスコアが ",
                       "This mail was held before it reached anyone: its "
                       "risk score is "},
    [M_WHY_SCORE_2] = {" になったため、受信者に届く前に止められました。", "."},
    [M_WHY_MAIN] = {"いちばん大きな理由: ", "The main reason: "},
    [M_WHY_ADVICE] = {"送信者と内容に心当たりがあり、安全だと確認できた場合だけ"
                      "「解放」してください。迷ったときは、メール以外の方法"
                      "(電話など)で送信者に確認してください。",
                      "Release it only if you know the sender and the "
                      "content and are sure it is safe. When in doubt, ask "
                      "the sender by another way than mail (by phone, for "
                      "example)."},
    [M_WHY_NONE] = {"検出の記録がありません。", "No findings were recorded."},
    [M_FINDING_SCORE] = {"スコア", "score"},
    [M_ENVELOPE] = {"配送情報", "Envelope"},
    [M_ENV_MAIL_FROM] = {"送信元アドレス (エンベロープ)", "Envelope sender"},
    [M_ENV_FROM_HEADER] = {"差出人 (From)", "From header"},
    [M_ENV_RCPTS] = {"宛先", "Recipients"},
    [M_ENV_CLIENT] = {"送信元サーバー", "Sending server"},
    [M_ENV_HELO] = {"HELO", "HELO"},
    [M_ENV_ARRIVED] = {"受信日時", "Arrived"},
    [M_ENV_MESSAGE_ID] = {"Message-ID", "Message-ID"},
    [M_ENV_SIZE] = {"サイズ (バイト)", "Size (bytes)"},
    [M_ENV_SHA256] = {"SHA-256", "SHA-256"},
    [M_ENV_HOST] = {"保存したサーバー", "Stored by"},
    [M_ENV_STATUS] = {"状態", "Status"},
    [M_ATTACHMENTS] = {"添付ファイル", "Attachments"},
    [M_NO_ATTACHMENTS] = {"添付ファイルはありません。", "No attachments."},
    [M_HEADERS] = {"ヘッダー", "Headers"},
    [M_HEADERS_GONE] =
        {"このメールは削除されたため、ヘッダーは表示できません。",
         "This mail was deleted: its headers are gone."},
    [M_BODY_NOT_SHOWN] = {"安全のため、本文はこの画面には表示しません。",
                          "For safety, the body is never shown here."},
    [M_AUDIT_TRAIL] = {"このメールの操作履歴", "Audit trail of this mail"},
    [M_NO_AUDIT] = {"操作履歴はありません。", "No audit lines."},
    [M_RELEASE] = {"解放する", "Release"},
    [M_DELETE] = {"削除する", "Delete"},
    [M_BACK_TO_LIST] = {"一覧に戻る", "Back to the list"},
    [M_CONFIRM_RELEASE_TITLE] = {"このメールを解放しますか?",
                                 "Release this mail?"},
    [M_CONFIRM_RELEASE_TEXT] = {"元のメールをそのまま、元の宛先に配送します。"
                                "添付ファイルを開く前に、送信者に確認したか"
                                "もう一度考えてください。",
                                "The original mail is delivered unchanged to "
                                "its original recipients. Before anyone "
                                "opens an attachment, make sure the sender "
                                "really sent it."},
    [M_CONFIRM_RELEASE_TO] = {"別の宛先に送る (任意)",
                              "Send to another address instead (optional)"},
    [M_CONFIRM_RELEASE_TO_HINT] = {"空欄なら元の宛先に届けます。",
                                   "Leave empty to deliver to the original "
                                   "recipients."},
    [M_CONFIRM_RELEASE_BUTTON] = {"解放を確定する", "Confirm release"},
    [M_CONFIRM_DELETE_TITLE] = {"このメールを削除しますか?",
                                "Delete this mail?"},
    [M_CONFIRM_DELETE_TEXT] = {"メールの本体は消去され、元に戻せません。"
                               "一覧と操作履歴には記録が残ります。",
                               "The mail itself is erased and cannot be "
                               "restored. The list and the audit log keep a "
                               "record of it."},
    [M_CONFIRM_DELETE_BUTTON] = {"削除を確定する", "Confirm deletion"},
    [M_CANCEL] = {"やめる", "Cancel"},
    [M_CANNOT_CHANGE] = {"このメールは削除済みのため、解放も削除もできません。",
                         "This mail was deleted: it can be neither released "
                         "nor deleted."},
    [M_BAD_RCPT] = {"宛先のメールアドレスが正しくありません。",
                    "The recipient address is not valid."},
    [M_RELEASED] = {"メールを解放しました。", "The mail was released."},
    [M_RELEASE_FAILED] = {"解放できませんでした。メールは隔離されたままです。",
                          "The release failed. The mail is still held."},
    [M_DELETED] = {"メールを削除しました。", "The mail was deleted."},
    [M_DELETE_FAILED] = {"削除できませんでした。", "The deletion failed."},
    [M_AUDIT_TITLE] = {"操作履歴", "Audit log"},
    [M_AUDIT_TIME] = {"日時", "Time"},
    [M_AUDIT_ACTOR] = {"操作した人", "Actor"},
    [M_AUDIT_ACTION] = {"操作", "Action"},
    [M_AUDIT_ENTRY] = {"メール", "Mail"},
    [M_AUDIT_DETAIL] = {"詳細", "Detail"},
    [M_ERR_NOT_FOUND] = {"ページまたはメールが見つかりません。",
                         "Page or mail not found."},
    [M_ERR_FORBIDDEN] = {"ログインしてください。", "Please log in."},
    [M_ERR_CSRF] = {"フォームの確認用トークンが正しくないため、操作を"
                    "実行しませんでした。ページを開き直してからやり直して"
                    "ください。",
                    "The form's security token was wrong, so nothing was "
                    "done. Reload the page and try again."},
    [M_ERR_TOO_LARGE] = {"送信されたデータが大きすぎます。",
                         "The request is too large."},
    [M_ERR_METHOD] = {"この操作はできません。",
                      "This method is not allowed here."},
    [M_ERR_STORE] = {"隔離データベースに接続できません。管理者に連絡して"
                     "ください。",
                     "The quarantine store cannot be reached. Please tell "
                     "the administrator."},
    [M_ERR_INTERNAL] = {"内部エラーが起きました。", "An internal error "
                                                    "occurred."},
    [M_ERR_TITLE] = {"エラー", "Error"},
};

/* One sentence per category of the DESIGN.md taxonomy. */
static const struct {
	const char *category;
	i18n_pair_t label; /* a few words, for the list */
	i18n_pair_t text;
} i18n_categories[] = {
    {"spoof.display_name",
     {"表示名の偽装", "Forged display name"},
     {"差出人の表示名が、実際の送信アドレスとは別の人や別のアドレスを装って"
      "います。",
      "The sender's display name pretends to be someone else than the "
      "address that really sent it."}},
    {"spoof.envelope_mismatch",
     {"送信元の不一致", "Sender mismatch"},
     {"差出人として表示されるドメインと、実際に送信したドメインが無関係です。",
      "The sender domain shown to you and the domain that really sent the "
      "mail are unrelated."}},
    {"spoof.reply_to",
     {"返信先の偽装", "Suspicious Reply-To"},
     {"返信すると、差出人とは無関係のアドレス (フリーメールなど) に届くように"
      "なっています。",
      "Replies would go to an address unrelated to the sender, such as a "
      "free-mail account."}},
    {"spoof.lookalike_domain",
     {"似せたドメイン", "Look-alike domain"},
     {"差出人のドメインが、取引先や自社のドメインによく似せた偽物です。",
      "The sender's domain is a look-alike of a partner's or our own "
      "domain."}},
    {"spoof.internal_from_outside",
     {"社外からの社内名義", "Internal name from outside"},
     {"社内のアドレスを名乗っていますが、社外から送られてきています。",
      "It claims to come from an address of our company, but it was sent "
      "from outside."}},
    {"spoof.auth_fail",
     {"送信元認証の失敗", "Authentication failed"},
     {"送信元の認証 (SPF・DKIM・DMARC) に失敗しています。差出人が偽られて"
      "いる可能性があります。",
      "The sender authentication (SPF, DKIM, DMARC) failed: the sender may "
      "be forged."}},
    {"hijack.reply_without_thread",
     {"つながりのない返信", "Reply without a thread"},
     {"返信のような件名ですが、元になったメールとのつながりがありません。",
      "The subject looks like a reply, but the mail is not linked to any "
      "earlier message."}},
    {"hijack.unknown_thread",
     {"記録にないやり取り", "Unknown conversation"},
     {"過去のやり取りを装っていますが、そのやり取りの記録が見つかりません。",
      "It refers to an earlier conversation that our records do not "
      "know."}},
    {"hijack.quoted_sender_mismatch",
     {"引用元の差出人違い", "Quoted sender mismatch"},
     {"引用されている元のメールの差出人と、今回の送信者のアドレスが違います。"
      "やり取りが乗っ取られている可能性があります。",
      "The quoted earlier mail names a sender whose address differs from "
      "the real sender: the conversation may have been hijacked."}},
    {"attach.encrypted_archive",
     {"パスワード付き圧縮", "Encrypted archive"},
     {"パスワード付きの圧縮ファイルが添付されていて、中身を確認できません"
      "でした。",
      "A password-protected archive is attached and its content could not "
      "be checked."}},
    {"attach.encrypted_archive_opened",
     {"パスワード付き圧縮 (確認済み)", "Encrypted archive (opened)"},
     {"パスワード付きの圧縮ファイルが添付されています。本文中のパスワードで"
      "開いて中身を確認しました。",
      "A password-protected archive is attached; it was opened with a "
      "password found in the mail and its content was checked."}},
    {"attach.macro",
     {"マクロ付き文書", "Document with macros"},
     {"マクロを含む Office 文書が添付されています。",
      "An Office document containing macros is attached."}},
    {"attach.macro_autoexec",
     {"自動実行マクロ", "Auto-run macro"},
     {"開くと自動的にマクロが実行される Office 文書が添付されています。",
      "An Office document that runs a macro as soon as it is opened is "
      "attached."}},
    {"attach.xlm_macro",
     {"Excel 4.0 マクロ", "Excel 4.0 macro"},
     {"古い形式の Excel 4.0 マクロを含むファイルが添付されています。",
      "A file with old-style Excel 4.0 macros is attached."}},
    {"attach.template_injection",
     {"外部テンプレート読み込み", "Remote template"},
     {"開くと外部からテンプレートや部品を読み込む Office 文書が添付されて"
      "います。",
      "An Office document that loads a template or object from the Internet "
      "when opened is attached."}},
    {"attach.executable",
     {"実行ファイル", "Executable"},
     {"プログラムやスクリプト (実行ファイル) が添付されています。",
      "A program or script (an executable file) is attached."}},
    {"attach.lnk",
     {"ショートカット", "Shortcut file"},
     {"Windows のショートカットファイルが添付されています。",
      "A Windows shortcut file is attached."}},
    {"attach.disk_image",
     {"ディスクイメージ", "Disk image"},
     {"ディスクイメージ (ISO・IMG・VHD) が添付されています。",
      "A disk image (ISO, IMG, VHD) is attached."}},
    {"attach.onenote_embedded",
     {"OneNote 埋め込み", "OneNote with files"},
     {"ファイルが埋め込まれた OneNote 文書が添付されています。",
      "A OneNote document with embedded files is attached."}},
    {"attach.double_extension",
     {"二重拡張子", "Double extension"},
     {"「請求書.pdf.exe」のように、拡張子を二重にして種類を偽ったファイル名"
      "です。",
      "A file name with a double extension, such as invoice.pdf.exe, hides "
      "its real type."}},
    {"attach.rtlo",
     {"ファイル名の偽装", "Disguised file name"},
     {"文字の向きを変える特殊文字で、ファイル名が偽装されています。",
      "Special characters that reverse the text direction disguise a file "
      "name."}},
    {"attach.type_mismatch",
     {"種類と拡張子の不一致", "Type mismatch"},
     {"ファイルの拡張子と、実際のファイルの種類が一致しません。",
      "A file's extension does not match its real type."}},
    {"attach.inflated",
     {"水増しファイル", "Padded file"},
     {"検査を逃れるため、不自然に大きく膨らませたファイルです。",
      "A file was padded to an unusual size to escape scanners."}},
    {"attach.nested_archive",
     {"多重圧縮", "Nested archive"},
     {"圧縮ファイルの中にさらに圧縮ファイルが入っています。",
      "An archive contains another archive."}},
    {"attach.active_content",
     {"スクリプト入り文書", "Active content"},
     {"開くとスクリプトや埋め込みプログラムが動く可能性のある文書 (PDF・RTF・"
      "HTML など) が添付されています。",
      "A document (PDF, RTF, HTML, ...) that can run scripts or embedded "
      "programs when opened is attached."}},
    {"attach.unscannable",
     {"検査できない添付", "Unscannable attachment"},
     {"添付ファイルの中身を最後まで検査できませんでした。",
      "An attachment could not be fully checked."}},
};

static const i18n_pair_t i18n_category_other = {
    "その他の危険の兆候が見つかりました。",
    "Another sign of danger was found."};
static const i18n_pair_t i18n_category_other_label = {"その他", "Other"};

static const i18n_pair_t i18n_statuses[] = {
    [EMG_QSTATUS_HELD] = {"隔離中", "Held"},
    [EMG_QSTATUS_RELEASED] = {"解放済み", "Released"},
    [EMG_QSTATUS_DELETED] = {"削除済み", "Deleted"},
};

static const struct {
	const char *word;
	i18n_pair_t text;
} i18n_words[] = {
    /* verdicts */
    {"quarantine", {"隔離", "Quarantine"}},
    {"reject", {"拒否", "Reject"}},
    /* audit actions */
    {"store", {"隔離", "Stored"}},
    {"release", {"解放", "Released"}},
    {"release-failed", {"解放失敗", "Release failed"}},
    {"delete", {"削除", "Deleted"}},
    {"export", {"書き出し", "Exported"}},
    {"purge", {"期限切れ削除", "Purged"}},
    {"view", {"閲覧", "Viewed"}},
};

static const char *
i18n_pick(web_lang_t lang, const i18n_pair_t *p)
{
	return lang == LANG_EN ? p->en : p->ja;
}

const char *
i18n(web_lang_t lang, web_msg_t m)
{
	if ((unsigned)m >= M__COUNT || i18n_msgs[m].ja == NULL)
		return "?";
	return i18n_pick(lang, &i18n_msgs[m]);
}

const char *
i18n_code(web_lang_t lang)
{
	return lang == LANG_EN ? "en" : "ja";
}

static ssize_t
i18n_category_index(const char *category)
{
	for (size_t i = 0;
	     i < sizeof(i18n_categories) / sizeof(i18n_categories[0]); i++)
		if (strcmp(i18n_categories[i].category, category) == 0)
			return (ssize_t)i;
	return -1;
}

bool
i18n_category_known(const char *category)
{
	return i18n_category_index(category) >= 0;
}

const char *
i18n_category(web_lang_t lang, const char *category)
{
	ssize_t i = i18n_category_index(category);
	return i18n_pick(lang, i >= 0 ? &i18n_categories[i].text
	                              : &i18n_category_other);
}

const char *
i18n_category_label(web_lang_t lang, const char *category)
{
	ssize_t i = i18n_category_index(category);
	return i18n_pick(lang, i >= 0 ? &i18n_categories[i].label
	                              : &i18n_category_other_label);
}

const char *
i18n_status(web_lang_t lang, emg_qstatus_t status)
{
	if ((unsigned)status > EMG_QSTATUS_DELETED)
		return "?";
	return i18n_pick(lang, &i18n_statuses[status]);
}

static const char *
i18n_word(web_lang_t lang, const char *word)
{
	for (size_t i = 0; i < sizeof(i18n_words) / sizeof(i18n_words[0]); i++)
		if (strcmp(i18n_words[i].word, word) == 0)
			return i18n_pick(lang, &i18n_words[i].text);
	return word;
}

const char *
i18n_verdict(web_lang_t lang, const char *verdict)
{
	return i18n_word(lang, verdict);
}

const char *
i18n_audit_action(web_lang_t lang, const char *action)
{
	return i18n_word(lang, action);
}
