# skip_or_fail REASON: leave a test that cannot run here. Outside CI that is a skip (exit
# 77, which meson counts as skipped); in CI (CI=true) or as root a test that does not run
# is a failure (exit 1), so a run that tested nothing cannot look green.
# POSIX sh: sourced by the e2e, grab and nic scripts.
skip_or_fail() {
	if [ "${CI:-}" = true ] || [ "$(id -u)" = 0 ]; then
		echo "FAIL $1 (in CI a skip is a failure)"
		exit 1
	fi
	echo "SKIP $1"
	exit 77
}
