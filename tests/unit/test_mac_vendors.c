/* The OUI table (output/mac_vendors.h): nmap-mac-prefixes' lines, comments and junk
 * skipped, lookups by the first three bytes, unknown prefixes NULL; and, when nmap-common
 * is installed, the vendors nmap prints for the lab's on-link hosts. */
#include <unistd.h>

#include "output/mac_vendors.h"
#include "tests/unit/check.h"

static void test_parse(void)
{
	static const char text[] = "# comment line\n"
				   "001422 Dell\n"
				   "00000C Cisco Systems\n"
				   "dca632 Raspberry Pi Trading  \n"
				   "XYZ123 not hex\n"
				   "0011 too short\n"
				   "0050C2\n"
				   "3C22FB\tApple";
	struct mac_vendors *t = mac_vendors_parse(text, sizeof text - 1);
	CHECK(t != NULL);
	CHECK_EQ_U64(mac_vendors_count(t), 4);
	CHECK_STR_EQ(mac_vendor(t, (const uint8_t[6]){0x00, 0x14, 0x22, 0x12, 0x05, 0x0a}), "Dell");
	CHECK_STR_EQ(mac_vendor(t, (const uint8_t[6]){0x00, 0x00, 0x0c, 0, 0, 1}), "Cisco Systems");
	CHECK_STR_EQ(mac_vendor(t, (const uint8_t[6]){0xdc, 0xa6, 0x32, 0, 0, 0}),
		     "Raspberry Pi Trading");
	CHECK_STR_EQ(mac_vendor(t, (const uint8_t[6]){0x3c, 0x22, 0xfb, 1, 2, 3}), "Apple");
	CHECK(mac_vendor(t, (const uint8_t[6]){0x02, 0x00, 0xc6, 0x12, 0x01, 0x0a}) == NULL);
	CHECK(mac_vendor(t, (const uint8_t[6]){0x00, 0x50, 0xc2, 0, 0, 0}) == NULL);
	mac_vendors_free(t);
	/* Empty and missing tables answer NULL, never fail. */
	t = mac_vendors_parse("", 0);
	CHECK(t && mac_vendor(t, (const uint8_t[6]){0x00, 0x14, 0x22, 0, 0, 0}) == NULL);
	mac_vendors_free(t);
	t = mac_vendors_load("/nonexistent/nmap-mac-prefixes");
	CHECK(t && mac_vendors_count(t) == 0);
	mac_vendors_free(t);
	CHECK(mac_vendor(NULL, (const uint8_t[6]){0}) == NULL);
}

static void test_nmap_table(void)
{
	if (access(MAC_VENDORS_DEFAULT_PATH, R_OK) != 0) {
		printf("mac_vendors: %s missing (nmap-common), system table not checked\n",
		       MAC_VENDORS_DEFAULT_PATH);
		return;
	}
	struct mac_vendors *t = mac_vendors_load(NULL);
	CHECK(mac_vendors_count(t) > 20000);
	/* tests/lab/lab.sh LAN_MAC: the on-link hosts' OUIs, as nmap names them. */
	CHECK_STR_EQ(mac_vendor(t, (const uint8_t[6]){0x00, 0x14, 0x22, 0x12, 0x05, 0x0a}), "Dell");
	CHECK_STR_EQ(mac_vendor(t, (const uint8_t[6]){0x3c, 0xfd, 0xfe, 0x12, 0x05, 0x0d}),
		     "Intel Corporate");
	CHECK_STR_EQ(mac_vendor(t, (const uint8_t[6]){0x00, 0x00, 0x0c, 0x12, 0x05, 0x01}),
		     "Cisco Systems");
	mac_vendors_free(t);
}

int main(void)
{
	test_parse();
	test_nmap_table();
	return check_done("mac_vendors");
}
