/* UTC timestamps as results print them: RFC 3339 with microseconds,
 * 2026-11-25T09:33:57.123456Z (27 bytes, no NUL). Arithmetic only -- days since the epoch
 * to the proleptic Gregorian date by whole 400-year eras -- because gmtime_r takes the
 * time zone lock and costs more than the rest of a result's NDJSON line. */
#ifndef ORBIT_OUTPUT_UTC_TIME_H
#define ORBIT_OUTPUT_UTC_TIME_H

#include <stdint.h>

#define UTC_RFC3339_LEN 27

static inline void utc_digits(char *out, unsigned v, int width)
{
	for (int i = width - 1; i >= 0; i--, v /= 10)
		out[i] = (char)('0' + v % 10);
}

/* ns: since 1970-01-01 (unsigned: no earlier dates; 64 bits of ns end in 2554). */
static inline void utc_rfc3339_us(uint64_t ns, char out[UTC_RFC3339_LEN])
{
	uint64_t secs = ns / 1000000000u, days = secs / 86400, sod = secs % 86400;
	/* Eras of 146097 days start on a 1 March, so the leap day is a year's last. */
	uint64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	unsigned day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	unsigned month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	unsigned year = (unsigned)(yoe + era * 400 + (month <= 2));
	utc_digits(out, year % 10000, 4);
	out[4] = '-';
	utc_digits(out + 5, month, 2);
	out[7] = '-';
	utc_digits(out + 8, day, 2);
	out[10] = 'T';
	utc_digits(out + 11, (unsigned)(sod / 3600), 2);
	out[13] = ':';
	utc_digits(out + 14, (unsigned)(sod / 60 % 60), 2);
	out[16] = ':';
	utc_digits(out + 17, (unsigned)(sod % 60), 2);
	out[19] = '.';
	utc_digits(out + 20, (unsigned)(ns % 1000000000u / 1000), 6);
	out[26] = 'Z';
}

#endif
