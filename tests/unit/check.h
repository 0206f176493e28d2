/* Minimal unit-test harness: CHECK* record a failure with file:line and go on, so one
 * run reports every broken case; check_done() prints a summary and gives the exit code
 * meson reads (0 pass, 1 fail). */
#ifndef ORBIT_TESTS_CHECK_H
#define ORBIT_TESTS_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                                       \
	do {                                                                              \
		check_count++;                                                            \
		if (!(cond)) {                                                            \
			check_failures++;                                                 \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                   \
		}                                                                         \
	} while (0)

#define CHECK_EQ_U64(a, b)                                                                \
	do {                                                                              \
		uint64_t check_a_ = (uint64_t)(a), check_b_ = (uint64_t)(b);             \
		check_count++;                                                            \
		if (check_a_ != check_b_) {                                               \
			check_failures++;                                                 \
			fprintf(stderr, "%s:%d: %s == %s failed: %" PRIu64 " != %" PRIu64 \
					"\n",                                             \
				__FILE__, __LINE__, #a, #b, check_a_, check_b_);          \
		}                                                                         \
	} while (0)

#define CHECK_STR_EQ(a, b)                                                                \
	do {                                                                              \
		const char *check_a_ = (a), *check_b_ = (b);                              \
		check_count++;                                                            \
		if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {         \
			check_failures++;                                                 \
			fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n",      \
				__FILE__, __LINE__, #a, #b, check_a_ ? check_a_ : "(null)", \
				check_b_ ? check_b_ : "(null)");                            \
		}                                                                         \
	} while (0)

static inline int check_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
	return check_failures ? 1 : 0;
}

#endif
