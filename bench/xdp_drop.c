__attribute__((section("xdp"), used)) int xdp_drop(void *ctx) { (void)ctx; return 1; }
char _license[] __attribute__((section("license"), used)) = "GPL";
