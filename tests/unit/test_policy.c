/*
 * test_policy.c - the symbol registry (unique names, taxonomy categories,
 * descriptions), thresholds, forced actions and Score overrides.
 */
#include <string.h>

#include "config.h"
#include "policy.h"
#include "report.h"
#include "testutil.h"

/* The public taxonomy of DESIGN.md. */
static const char *const taxonomy[] = {
	"spoof.display_name", "spoof.envelope_mismatch", "spoof.reply_to",
	"spoof.lookalike_domain", "spoof.internal_from_outside",
	"spoof.auth_fail", "hijack.reply_without_thread",
	"hijack.unknown_thread", "hijack.quoted_sender_mismatch",
	"attach.encrypted_archive", "attach.encrypted_archive_opened",
	"attach.macro", "attach.macro_autoexec", "attach.xlm_macro",
	"attach.template_injection", "attach.executable", "attach.lnk",
	"attach.disk_image", "attach.onenote_embedded",
	"attach.double_extension", "attach.rtlo", "attach.type_mismatch",
	"attach.inflated", "attach.nested_archive", "attach.active_content",
	"attach.unscannable",
};

START_TEST(test_policy_registry)
{
	size_t n = policy_symbol_count();
	ck_assert_uint_gt(n, 0);
	for (size_t i = 0; i < n; i++) {
		const emg_symbol_t *s = policy_symbol(i);
		ck_assert_ptr_nonnull(s);
		ck_assert_msg(policy_symbol_find(s->name) == (long)i,
		              "%s declared twice", s->name);
		bool known = false;
		for (size_t t = 0; t < sizeof(taxonomy) / sizeof(taxonomy[0]); t++)
			known = known || strcmp(taxonomy[t], s->category) == 0;
		ck_assert_msg(known, "%s: category %s is not in the taxonomy",
		              s->name, s->category);
		ck_assert_msg(s->description && strlen(s->description) > 10,
		              "%s: no description", s->name);
		for (const char *p = s->name; *p; p++)
			ck_assert_msg((*p >= 'A' && *p <= 'Z') || *p == '_' ||
			                  (*p >= '0' && *p <= '9'),
			              "%s is not UPPER_SNAKE", s->name);
		const char *name = NULL;
		ck_assert(emg_symbol_at(i, &name, NULL, NULL, NULL));
		ck_assert_str_eq(name, s->name);
	}
	ck_assert(!emg_symbol_at(n, NULL, NULL, NULL, NULL));
	ck_assert_int_eq(policy_symbol_find("NO_SUCH_SYMBOL"), -1);
}
END_TEST

typedef struct action_case {
	double score;
	emg_action_t action;
} action_case_t;

static const action_case_t action_cases[] = {
	{0, EMG_ACTION_ACCEPT},     {4.99, EMG_ACTION_ACCEPT},
	{5, EMG_ACTION_TAG},        {9.5, EMG_ACTION_TAG},
	{10, EMG_ACTION_QUARANTINE}, {19.99, EMG_ACTION_QUARANTINE},
	{20, EMG_ACTION_REJECT},    {100, EMG_ACTION_REJECT},
	{-3, EMG_ACTION_ACCEPT},
};

START_TEST(test_policy_thresholds)
{
	emg_config_t *cfg = tu_config(NULL);
	ck_assert_int_eq(policy_action_for(cfg, action_cases[_i].score),
	                 action_cases[_i].action);
	emg_config_unref(cfg);
}
END_TEST

/* A finding can force an action above what its score gives. */
START_TEST(test_policy_forced_action)
{
	static const emg_symbol_t forcing = {
		"TEST_FORCE", "attach.macro_autoexec", 1.0,
		EMG_ACTION_QUARANTINE, "test symbol that forces quarantine"};
	emg_config_t *cfg = tu_config(NULL);
	emg_report_t *r = NULL;
	ck_assert_int_eq(report_new(&r), EMG_OK);
	ck_assert_int_eq(report_add(r, &forcing, 1.0, strdup("x"), NULL), EMG_OK);
	/* The same symbol and detail twice counts once. */
	ck_assert_int_eq(report_add(r, &forcing, 1.0, strdup("x"), NULL), EMG_OK);
	report_finish(r, cfg);
	ck_assert_uint_eq(emg_report_finding_count(r), 1);
	ck_assert(emg_report_score(r) == 1.0);
	ck_assert_int_eq(emg_report_action(r), EMG_ACTION_QUARANTINE);
	emg_report_free(r);
	emg_config_unref(cfg);
}
END_TEST

/* Score lines override the default of exactly that symbol. */
START_TEST(test_policy_override)
{
	emg_config_t *cfg = tu_config("Score ATTACH_UNSCANNABLE 12\n");
	long idx = policy_symbol_find("ATTACH_UNSCANNABLE");
	ck_assert(cfg->symbol_scores[idx] == 12.0);
	long other = policy_symbol_find("SCAN_TIMEOUT");
	ck_assert(cfg->symbol_scores[other] == policy_symbol(other)->score);
	emg_config_unref(cfg);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_policy_registry);
	tcase_add_loop_test(tc, test_policy_thresholds, 0,
	                    sizeof(action_cases) / sizeof(action_cases[0]));
	tcase_add_test(tc, test_policy_forced_action);
	tcase_add_test(tc, test_policy_override);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
