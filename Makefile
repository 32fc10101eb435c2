# SPDX-License-Identifier: GPL-2.0
#
# make deps    install the toolchain, kernel source, QEMU and virtme-ng (idempotent)
# make kernel  build the test kernel (cached under ~/.cache/audit-contid); build/bzImage
# make check   lint, build, boot, run the KUnit and kselftest suites; last line
#              "N passed, N failed"
# make check-debug  the same on a KASAN/lockdep/kmemleak kernel, then the fault
#              stage and a storm (STORM_SECONDS, default 60)
# make check-kcsan  the suites and the storm on a KCSAN kernel
# make bench   ratios against the kernel's own identity paths (BENCH_ROUNDS)
# make bench-userspace  ausearch --contid against --session on a million records
# make audit-testsuite AUDIT_TESTSUITE=DIR  the audit maintainers' suite on =y and =n
# make userspace-patches AUDIT_USERSPACE=DIR  our series on audit-userspace master
# make profile OP=register-new  perf profile of one benchmark operation
# make fuzz    fuzz the ID parser on the host (FUZZ_RUNS, default 10000000)
# make run     boot the kernel and run the demo (qemu/demo)
# make shell   boot the kernel with a root shell on this terminal
# make tools   build the userspace tool (tools/contid, release) into build/contid
# make userspace  Debian's audit 3.0.9 with our series (userspace/audit) into
#              build/audit, after the package's own tests (cached)
# make patches the upstream series (cover letter + git format-patch) in build/patches
# make series-check  git am the series on a fresh 7.3 tree: checkpatch, kernel-doc,
#              =y and =n builds after every patch; the final tree's kselftest
#              and KUnit runners (long: see README)
# make distro-check  Debian's 7.3 config + CONFIG_AUDIT_CONTAINERID=y, W=1 build of
#              the component and every object the series touches
# make clean   remove build/ (the kernel cache stays)

REPO := $(CURDIR)
BUILD := $(REPO)/build

.PHONY: all deps kernel selftests check check-debug check-kcsan bench bench-userspace audit-testsuite userspace-patches profile fuzz lint run shell tools userspace \
	patches series-check distro-check clean

all: kernel

deps:
	@bash scripts/deps.sh

kernel: deps
	@bash scripts/build.sh kernel

selftests: kernel
	@bash scripts/build.sh selftests

lint:
	@bash scripts/lint.sh

check: deps
	@bash scripts/check.sh

check-debug: deps
	@bash scripts/check-debug.sh debug

check-kcsan: deps
	@bash scripts/check-debug.sh kcsan

fuzz:
	@bash scripts/fuzz.sh

bench: deps
	@bash scripts/bench.sh

bench-userspace: deps
	@bash scripts/bench-userspace.sh

audit-testsuite: deps
	@AUDIT_TESTSUITE="$(AUDIT_TESTSUITE)" bash scripts/audit-testsuite.sh

userspace-patches: deps
	@AUDIT_USERSPACE="$(AUDIT_USERSPACE)" bash scripts/userspace-patches.sh

profile: deps
	@bash scripts/profile.sh

userspace: deps
	@bash scripts/userspace.sh >/dev/null

run: kernel tools userspace
	@qemu/vm -- $(REPO)/qemu/demo

shell: kernel
	@qemu/vm --shell

tools: deps
	@bash scripts/build.sh tools

patches:
	@bash scripts/patches.sh

series-check: deps
	@bash scripts/series-check.sh

distro-check: deps
	@bash scripts/distro-check.sh

clean:
	rm -rf $(BUILD)
