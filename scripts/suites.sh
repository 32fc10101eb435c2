# Sourced by check.sh and check-debug.sh: reads a guest's test output suite
# by suite, checks each suite against its TAP plan, and sums the results.
#
#   suites LOG              one line per suite (below)
#   tally_suites WHO LOG    reports each suite on stderr as "WHO: ..."; sets
#                           suites_passed, suites_failed, suites_bad and
#                           suites_seen (" kind:name kind:name ... ")
#   expect_suite WHO KIND NAME   suites_bad=1 unless that suite was seen
#   kunit_suite_names REPO  the KUnit suites declared in rust/ (kunit_tests(NAME))
#   summary BAD PASSED FAILED    prints "N passed, N failed"; status 0 only
#                           with BAD = 0 and nothing failed (BAD alone counts
#                           as one failure)
#
# A suite "ran nothing", printed no plan, ran more tests than its plan, or
# skipped a test: bad. Tests of its plan that never reported: failed. Skips
# count as failed, never as passed.

# One line per suite: "<kind> <name> <plan> <ran> <passed> <failed> <skipped>".
# The guest output is split at "# kunit: NAME", at the kselftest runner's
# "# selftests: audit_contid: NAME", at "# e2e: NAME" and at "# tap: NAME".
# KUnit: the plan is the first indented "1..N" (the suite's, under its
# "# Subtest:"); its cases are the "ok"/"not ok" lines at exactly that
# indentation (deeper ones are parameters); a "not ok" suite line with no
# failed case counts as one failure. kselftest: the runner prefixes the
# test's own TAP with "# ": its plan and cases are the "1..N" and
# "ok"/"not ok" lines under that prefix, and the runner's own result line
# ("not ok N selftests: ...", e.g. a timeout or an exit status) ends the
# suite, a failure counting as one if no case failed. e2e and tap (a TAP
# producer run directly, without the runner): the top-level "1..N" and
# "ok"/"not ok" lines. "# SKIP" is a skip, never a pass.
# plan is -1 when none was printed.
suites() { # log
	awk '
	function flush() {
		if (kind == "")
			return
		if (suite_failed && !fail)
			fail = 1
		print kind, name, plan, ran, pass, fail, skip
		kind = ""
	}
	function start(k, n) {
		flush()
		kind = k; name = n; plan = -1; indent = ""
		ran = pass = fail = skip = suite_failed = 0
	}
	function tap(line) {
		if (plan < 0 && line ~ /^1\.\.[0-9]+[ \t]*$/) {
			plan = substr(line, 4) + 0
		} else if (line ~ /^(not )?ok [0-9]+/) {
			ran++
			if (line ~ /^not ok /) fail++
			else if (line ~ /# SKIP/) skip++
			else pass++
		}
	}
	/^# kunit: /     { start("kunit", $3); next }
	/^# kselftest runner: / { flush(); next }
	/^# selftests: audit_contid: / { start("kselftest", $4); next }
	/^# e2e: /       { start("e2e", $3); next }
	/^# tap: /       { start("tap", $3); next }
	kind == "kunit" && plan < 0 && /^[ \t]+1\.\.[0-9]+[ \t]*$/ {
		match($0, /^[ \t]+/)
		indent = substr($0, 1, RLENGTH)
		plan = $1; sub(/^1\.\./, "", plan); plan += 0
		next
	}
	kind == "kunit" && plan >= 0 && substr($0, 1, length(indent)) == indent {
		rest = substr($0, length(indent) + 1)
		if (rest ~ /^(not )?ok [0-9]+/) {
			ran++
			if (rest ~ /^not ok /) fail++
			else if (rest ~ /# SKIP/) skip++
			else pass++
		}
		next
	}
	kind == "kunit" && /^not ok [0-9]+ / { suite_failed = 1; next }
	kind == "kselftest" && /^(not )?ok [0-9]+ selftests: / {
		if (/^not ok /) suite_failed = 1
		else if (/# SKIP/) skip++
		flush()
		next
	}
	kind == "kselftest" && /^# / { tap(substr($0, 3)); next }
	kind == "e2e" || kind == "tap" { tap($0) }
	END { flush() }' "$1"
}

tally_suites() { # who log
	local who=$1 kind name plan ran pass nfail skip
	suites_passed=0
	suites_failed=0
	suites_bad=0
	suites_seen=" "
	while read -r kind name plan ran pass nfail skip; do
		suites_seen+="$kind:$name "
		echo "$who: $kind $name: plan $plan, ran $ran: $pass passed, $nfail failed, $skip skipped" >&2
		suites_passed=$((suites_passed + pass))
		suites_failed=$((suites_failed + nfail + skip))
		if [ "$ran" = 0 ]; then
			echo "$who: $kind $name ran nothing" >&2
			suites_bad=1
		fi
		if [ "$plan" -lt 0 ]; then
			echo "$who: $kind $name printed no TAP plan" >&2
			suites_bad=1
		elif [ "$ran" -lt "$plan" ]; then
			echo "$who: $kind $name ran $ran of the $plan tests of its plan" >&2
			suites_failed=$((suites_failed + plan - ran))
		elif [ "$ran" -gt "$plan" ]; then
			echo "$who: $kind $name ran $ran tests, more than the $plan of its plan" >&2
			suites_bad=1
		fi
		[ "$skip" = 0 ] || { echo "$who: $kind $name skipped $skip tests" >&2; suites_bad=1; }
	done < <(suites "$2")
}

expect_suite() { # who kind name
	case $suites_seen in
	*" $2:$3 "*) ;;
	*) echo "$1: $2 $3 did not run" >&2; suites_bad=1 ;;
	esac
}

kunit_suite_names() { # repo
	grep -rhoE 'kunit_tests\([A-Za-z0-9_]+\)' "$1/rust" --include='*.rs' --exclude-dir=host |
		sed 's/.*(\(.*\))/\1/' | sort -u
}

summary() { # bad passed failed
	local bad=$1 passed=$2 failed=$3
	[ "$bad" = 0 ] || [ "$failed" -gt 0 ] || failed=1
	echo "$passed passed, $failed failed"
	[ "$bad" = 0 ] && [ "$failed" = 0 ]
}
