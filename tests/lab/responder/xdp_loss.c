/* Random loss at a veth's receive side, for the responder tests: the kernel here has no
 * netem (no sch_netem, no tc classifiers), and loss must happen before AF_PACKET sees a
 * frame, which XDP does (packet taps come after it). Each frame is dropped independently
 * with probability LOSS_PPM / 1e6 (a compile-time constant: clang -DLOSS_PPM=10000 = 1 %).
 *   clang -O2 -target bpf -DLOSS_PPM=10000 -c xdp_loss.c -o xdp_loss.o
 *   ip link set dev IF xdp obj xdp_loss.o sec xdp */
/* No headers: the BPF target has no asm/types.h here. Values from linux/bpf.h. */
#define XDP_DROP 1
#define XDP_PASS 2
#define BPF_FUNC_get_prandom_u32 7

#ifndef LOSS_PPM
#define LOSS_PPM 10000
#endif

static unsigned int (*bpf_get_prandom_u32)(void) = (void *)BPF_FUNC_get_prandom_u32;

__attribute__((section("xdp"), used)) int xdp_loss(void *ctx)
{
	(void)ctx;
	/* threshold = LOSS_PPM / 1e6 of 2^32 */
	unsigned long long thr = (unsigned long long)LOSS_PPM * 4294967296ull / 1000000ull;
	return bpf_get_prandom_u32() < thr ? XDP_DROP : XDP_PASS;
}

char _license[] __attribute__((section("license"), used)) = "GPL";
