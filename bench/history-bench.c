/*
 * history-bench.c - time of the thread history's look-ups for one inbound
 * message, on an empty store and on one filled with many messages.
 *
 * One "message look-up" is what the thread analyzer asks of the history
 * for a reply: its In-Reply-To and one References entry
 * (history_lookup_message), the sender (history_correspondent), the
 * sender's organisational domain (history_domain_known) and the display
 * name (history_addresses_for_name).  Half the referenced IDs are known,
 * half are not; senders, domains and names likewise.
 *
 *   history-bench -d DSN [-n MESSAGES] [-l LOOKUPS] [-b]
 *     -n  messages to store before timing (default 1000000); stores that
 *         already hold them (a previous run) are not filled again
 *     -l  message look-ups timed (default 20000, after 1000 unmeasured)
 *     -b  baseline: time look-ups on the store as it is, fill nothing
 * Output, one line: "BACKEND baseline|filled messages=N fill_s=S
 * lookup_us=MEAN p50_us=MEDIAN p99_us=P99 cpu_us=CPU", times per message
 * look-up (wall clock; CPU time of the process for CPU).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "history.h"

#define BENCH_BATCH 2000
#define BENCH_PEOPLE 50000  /* distinct correspondents */
#define BENCH_DOMAINS 5000  /* distinct organisations */
#define BENCH_WARMUP 1000

static double
bench_clock(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
bench_now(void)
{
	return bench_clock(CLOCK_MONOTONIC);
}

/* A small xorshift generator: the same sequence on every run. */
static uint64_t
bench_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void
bench_die(history_t *h, const char *what, emg_status_t st)
{
	fprintf(stderr, "history-bench: %s: %s: %s\n", what, emg_strerror(st),
	        h ? history_error(h) : "");
	exit(1);
}

/* Message I: two in three outbound to one of our people's partners, the
 * rest an inbound reply to the message before it. */
static void
bench_record(history_t *h, uint64_t i)
{
	char id[64], from[64], rcpt[64], ref[64], name[64];
	uint64_t person = (i * 7919) % BENCH_PEOPLE;
	bool outbound = i % 3 != 2;

	snprintf(id, sizeof(id), "m%llu@corp.example", (unsigned long long)i);
	snprintf(ref, sizeof(ref), "m%llu@corp.example",
	         (unsigned long long)(i ? i - 1 : 0));
	snprintf(rcpt, sizeof(rcpt), "p%llu@d%llu.example",
	         (unsigned long long)person,
	         (unsigned long long)(person % BENCH_DOMAINS));
	snprintf(from, sizeof(from), "staff%llu@corp.example",
	         (unsigned long long)(i % 300));
	snprintf(name, sizeof(name), "Person %llu", (unsigned long long)person);
	const char *rcpts[] = {outbound ? rcpt : from, "team@corp.example"};
	const char *names[] = {name, NULL};
	const char *refs[] = {ref};
	history_msg_t m = {
	    .message_id = id,
	    .from_addr = outbound ? from : rcpt,
	    .from_name = outbound ? "Staff" : name,
	    .rcpts = rcpts,
	    .n_rcpts = 2,
	    .rcpt_names = names,
	    .subject = "Quotation for the next quarter",
	    .date = 1700000000 + (int64_t)i * 30,
	    .refs = refs,
	    .n_refs = outbound ? 0 : 1,
	};
	emg_status_t st = history_record(h, &m, outbound, NULL);
	if (st != EMG_OK)
		bench_die(h, "record", st);
}

static void
bench_fill(history_t *h, uint64_t from, uint64_t to)
{
	for (uint64_t i = from; i < to; i += BENCH_BATCH) {
		emg_status_t st = history_batch_begin(h);
		if (st != EMG_OK)
			bench_die(h, "batch", st);
		for (uint64_t j = i; j < to && j < i + BENCH_BATCH; j++)
			bench_record(h, j);
		if ((st = history_batch_commit(h)) != EMG_OK)
			bench_die(h, "commit", st);
	}
}

/* One message look-up over a store that holds N messages (or would). */
static void
bench_lookup(history_t *h, uint64_t n, uint64_t *seed)
{
	char id[64], ref[64], addr[64], dom[32], name[64];
	uint64_t r = bench_rand(seed);
	/* known IDs below N, unknown ones above */
	uint64_t msg = (r % (n ? n : 1)) + ((r >> 40) & 1 ? 0 : n);
	uint64_t person = (r >> 8) % (2 * BENCH_PEOPLE);

	snprintf(id, sizeof(id), "<m%llu@corp.example>", (unsigned long long)msg);
	snprintf(ref, sizeof(ref), "m%llu@corp.example",
	         (unsigned long long)(msg / 2));
	snprintf(addr, sizeof(addr), "p%llu@d%llu.example",
	         (unsigned long long)person,
	         (unsigned long long)(person % (2 * BENCH_DOMAINS)));
	snprintf(dom, sizeof(dom), "d%llu.example",
	         (unsigned long long)(person % (2 * BENCH_DOMAINS)));
	snprintf(name, sizeof(name), "PERSON %llu", (unsigned long long)person);

	history_ref_t ref_out;
	history_corr_t corr;
	emg_strlist_t names = {0};
	bool known;
	emg_status_t st;
	if ((st = history_lookup_message(h, id, &ref_out)) != EMG_OK)
		bench_die(h, "lookup", st);
	history_ref_free(&ref_out);
	if ((st = history_lookup_message(h, ref, &ref_out)) != EMG_OK)
		bench_die(h, "lookup", st);
	history_ref_free(&ref_out);
	if ((st = history_correspondent(h, addr, &corr)) != EMG_OK)
		bench_die(h, "correspondent", st);
	history_corr_free(&corr);
	if ((st = history_domain_known(h, dom, &known)) != EMG_OK)
		bench_die(h, "domain", st);
	if ((st = history_addresses_for_name(h, name, 10, &names)) != EMG_OK)
		bench_die(h, "names", st);
	strlist_free(&names);
}

static int
bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	const char *dsn = NULL;
	uint64_t n = 1000000, lookups = 20000;
	bool baseline = false;
	int c;

	while ((c = getopt(argc, argv, "d:n:l:b")) != -1) {
		switch (c) {
		case 'd': dsn = optarg; break;
		case 'n': n = strtoull(optarg, NULL, 10); break;
		case 'l': lookups = strtoull(optarg, NULL, 10); break;
		case 'b': baseline = true; break;
		default: dsn = NULL; optind = argc + 1; break;
		}
	}
	if (dsn == NULL || lookups == 0 || lookups > 10000000) {
		fprintf(stderr, "usage: history-bench -d DSN [-n MESSAGES] "
		                "[-l LOOKUPS] [-b]\n");
		return 2;
	}
	history_t *h = NULL;
	char err[512];
	emg_status_t st = history_open(dsn, &h, err, sizeof(err));
	if (st != EMG_OK) {
		fprintf(stderr, "history-bench: %s\n", err);
		return 1;
	}
	uint64_t have = 0;
	double fill = 0;
	if ((st = history_count(h, &have)) != EMG_OK)
		bench_die(h, "count", st);
	if (!baseline && have < n) {
		double t0 = bench_now();
		bench_fill(h, have, n);
		fill = bench_now() - t0;
		have = n;
	}
	double *t = malloc(lookups * sizeof(double));
	if (t == NULL)
		return 1;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < BENCH_WARMUP; i++)
		bench_lookup(h, baseline ? n : have, &seed);
	double sum = 0;
	/* CPU time too: on a loaded host the wall clock mostly measures
	 * the scheduler. */
	double cpu0 = bench_clock(CLOCK_PROCESS_CPUTIME_ID);
	for (uint64_t i = 0; i < lookups; i++) {
		double t0 = bench_now();
		bench_lookup(h, baseline ? n : have, &seed);
		t[i] = (bench_now() - t0) * 1e6;
		sum += t[i];
	}
	double cpu = (bench_clock(CLOCK_PROCESS_CPUTIME_ID) - cpu0) * 1e6;
	qsort(t, lookups, sizeof(double), bench_cmp);
	printf("%s %s messages=%llu fill_s=%.1f lookup_us=%.1f p50_us=%.1f "
	       "p99_us=%.1f cpu_us=%.1f\n",
	       history_backend(h), baseline ? "baseline" : "filled",
	       (unsigned long long)have, fill, sum / (double)lookups,
	       t[lookups / 2], t[lookups * 99 / 100], cpu / (double)lookups);
	free(t);
	history_close(h);
	return 0;
}
