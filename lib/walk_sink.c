/*
 * walk_sink.c - the padding-aware sink of the attachment walker (walk.c):
 * it receives one archive member as unpack_read() streams it, keeps the
 * first WALK_HEAD bytes verbatim and, after them, drops runs of one
 * repeated byte of WALK_PAD_RUN bytes or more (the padding of
 * attach.inflated members).  It also observes whether the stream is one
 * byte only and which run it ends with, so that walk.c can tell a member
 * stopped in padding (read it again) from a bomb of nothing but zeros.
 *
 * Kept bytes count against the LimitArchiveBytes left, dropped padding
 * against the padding budget, and every chunk against the scan deadline;
 * hitting one stops the stream with the reason in the sink's STOP.
 * Relies on walk_int.h (the types shared with walk.c) and libc only.
 */
#include "walk_int.h"

#include <stdlib.h>
#include <string.h>

#define WALK_HEAD (8u << 20)          /* bytes of a member always kept */
#define WALK_PAD_RUN (4u << 20)       /* a run this long after the head is
                                       * padding and is dropped */
#define WALK_PAD_SEEN (64u << 10)     /* a run this long where a limit
                                       * stopped the stream means padding */
#define WALK_BUF_MIN 4096u            /* first allocation of a member */

/* How many leading bytes of P equal B; eight at a time, since padding runs
 * are hundreds of megabytes. */
static size_t
walk_same(const uint8_t *p, size_t n, uint8_t b)
{
	const uint64_t pat = 0x0101010101010101ull * b;
	size_t i = 0;
	while (i + 8 <= n) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		if (w != pat)
			break;
		i += 8;
	}
	while (i < n && p[i] == b)
		i++;
	return i;
}

/* How many trailing bytes of P equal B. */
static size_t
walk_same_back(const uint8_t *p, size_t n, uint8_t b)
{
	const uint64_t pat = 0x0101010101010101ull * b;
	size_t i = n;
	while (i >= 8) {
		uint64_t w;
		memcpy(&w, p + i - 8, 8);
		if (w != pat)
			break;
		i -= 8;
	}
	while (i > 0 && p[i - 1] == b)
		i--;
	return n - i;
}

/* An empty sink with the budgets left; frees what S held before. */
void
walk_sink_start(walk_sink_t *s, uint64_t deadline, uint64_t kept_max,
                 uint64_t pad_max)
{
	free(s->buf);
	*s = (walk_sink_t){.deadline = deadline, .kept_max = kept_max,
	                   .pad_max = pad_max, .uniform = true};
}

static bool
walk_sink_append(walk_sink_t *s, const uint8_t *p, size_t n)
{
	if (n == 0)
		return true;
	if (n > SIZE_MAX - s->len)
		return false;
	size_t need = s->len + n;
	if (need > s->cap) {
		/* Grow by doubling, but not far past what may be kept. */
		uint64_t top = walk_add_sat(s->kept_max, WALK_PAD_RUN + 2 * n);
		size_t cap = s->cap ? s->cap : WALK_BUF_MIN;
		while (cap < need && cap <= SIZE_MAX / 2)
			cap *= 2;
		if (cap < need)
			cap = need;
		if ((uint64_t)cap > top && top >= need)
			cap = (size_t)top;
		uint8_t *b = realloc(s->buf, cap);
		if (b == NULL)
			return false;
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, p, n);
	s->len = need;
	return true;
}

/* Track whether the stream is one byte so far, and the run it ends with
 * (after the head, walk_sink_tail knows that run already). */
static void
walk_sink_observe(walk_sink_t *s, const uint8_t *p, size_t n)
{
	if (s->seen == 0)
		s->first = p[0];
	if (s->uniform && walk_same(p, n, s->first) < n)
		s->uniform = false;
	if (s->seen >= WALK_HEAD) {
		s->trail_byte = s->run_byte;
		s->trail_len = s->run_len;
		return;
	}
	size_t back = walk_same_back(p, n, p[n - 1]);
	if (back == n && s->trail_len > 0 && s->trail_byte == p[n - 1]) {
		s->trail_len += n;
	} else {
		s->trail_byte = p[n - 1];
		s->trail_len = back;
	}
}

/* Bytes after the head: keep them, except runs of WALK_PAD_RUN or more. */
static bool
walk_sink_tail(walk_sink_t *s, const uint8_t *p, size_t n)
{
	size_t i = 0, seg = 0;
	while (i < n) {
		if (s->run_len == 0 || p[i] != s->run_byte) {
			if (s->run_len >= WALK_PAD_RUN)
				s->dropped += s->run_len;
			s->run_byte = p[i];
			s->run_len = 0;
			s->run_start = s->len + (i - seg);
		}
		size_t k = walk_same(p + i, n - i, s->run_byte);
		bool was_long = s->run_len >= WALK_PAD_RUN;
		s->run_len += k;
		i += k;
		if (s->run_len >= WALK_PAD_RUN) {
			/* Keep what came before the run, then cut the
			 * run's bytes already kept. */
			if (!walk_sink_append(s, p + seg, i - k - seg))
				return false;
			if (!was_long)
				s->len = s->run_start;
			seg = i;
		}
	}
	return walk_sink_append(s, p + seg, n - seg);
}

/* Keep the head, drop long runs after it, and check the budgets. */
int
walk_sink_fn(void *ctx, const uint8_t *p, size_t n)
{
	walk_sink_t *s = ctx;
	if (n == 0)
		return 0;
	if (limits_now_ms() > s->deadline) {
		s->stop = WALK_STOP_TIME;
		return 1;
	}
	size_t head = 0;
	if (s->seen < WALK_HEAD) {
		uint64_t room = WALK_HEAD - s->seen;
		head = (uint64_t)n < room ? n : (size_t)room;
	}
	if (!walk_sink_append(s, p, head) ||
	    !walk_sink_tail(s, p + head, n - head)) {
		s->stop = WALK_STOP_NOMEM;
		return 1;
	}
	walk_sink_observe(s, p, n);
	s->seen += n;
	/* A run still shorter than WALK_PAD_RUN may yet turn out to be
	 * padding: it does not count until it ends. */
	size_t pending = s->run_len > 0 && s->run_len < WALK_PAD_RUN &&
	                         s->run_start <= s->len
	                     ? s->len - s->run_start
	                     : 0;
	if ((uint64_t)(s->len - pending) > s->kept_max) {
		s->stop = WALK_STOP_BYTES;
		return 1;
	}
	uint64_t pad = s->dropped;
	if (s->run_len >= WALK_PAD_RUN)
		pad = walk_add_sat(pad, s->run_len);
	if (pad > s->pad_max) {
		s->stop = WALK_STOP_PAD;
		return 1;
	}
	return 0;
}

/* The stream ended (or stopped): a trailing long run is padding too. */
void
walk_sink_finish(walk_sink_t *s)
{
	if (s->run_len >= WALK_PAD_RUN)
		s->dropped += s->run_len;
	s->run_len = 0;
	if (s->len > s->kept_max)
		s->len = (size_t)s->kept_max;
}

/* A stream stopped by a limit while in a long run: padding follows. */
bool
walk_sink_padded(const walk_sink_t *s)
{
	return s->trail_len >= WALK_PAD_SEEN || s->dropped > 0;
}
