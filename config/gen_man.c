/* orbit_gen_man: prints the orbit(1) man page (roff) on stdout; run by the build. */
#include <stdio.h>

#include "config/config.h"

int main(void)
{
	config_print_man(stdout);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}
