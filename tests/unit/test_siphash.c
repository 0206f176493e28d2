#include "core/base/siphash.h"
#include "tests/unit/check.h"

int main(void)
{
	/* From the SipHash paper, appendix A: key 00..0f, message 00..0e. */
	uint8_t kb[16], msg[64];
	for (int i = 0; i < 16; i++)
		kb[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	struct siphash_key k = siphash_key_from_bytes(kb);
	CHECK_EQ_U64(siphash24(k, msg, 15), 0xa129ca6149be45e5ULL);
	CHECK_EQ_U64(siphash24(k, msg, 0), 0x726fdb47dd0e0e31ULL);
	/* Incremental updates in odd pieces equal one call. */
	for (size_t len = 0; len <= 64; len++) {
		struct siphash_state st;
		siphash24_init(&st, k);
		for (size_t off = 0; off < len;) {
			size_t piece = (off % 3) + 1;
			if (off + piece > len)
				piece = len - off;
			siphash24_update(&st, msg + off, piece);
			off += piece;
		}
		CHECK_EQ_U64(siphash24_final(&st), siphash24(k, msg, len));
	}
	return check_done("siphash");
}
