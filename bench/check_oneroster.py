"""Benchmark: ``renkei check oneroster`` against the bare csv.reader parse and frictionless-py.

Run: ``python bench/check_oneroster.py [--no-10x] [--skip-frictionless] [--repeat N]
[--tree DIR ...] [--json]``. Each measurement runs in its own child process so its peak RSS is
its own (the child's VmHWM after its first run); times are the best of ``--repeat`` runs.

``--json`` prints one JSON object on stdout instead of text (for bench/scale.py):
  bench            "check_oneroster"
  repeat           best of N per child
  load_avg         os.getloadavg() at the start: [1 min, 5 min, 15 min]
  trees            the source trees measured (absolute paths; default this one)
  scales           {"1": {...}, "10": {...}} (no "10" with --no-10x), each with
    rows, zip_bytes               CSV records (headers included) and the bundle's size
    floor_cpu_s, floor_wall_s     the bare csv.reader parse of the same files (the floor)
    floor_peak_rss_mb             its child's peak RSS
    renkei            {tree: {...}}, one entry per tree:
      cpu_s, wall_s, peak_rss_mb, findings    check_bundle on the bundle
      x_floor_cpu, x_floor_wall               cpu_s / floor_cpu_s, wall_s / floor_wall_s
      x_1x_cpu, x_1x_wall                     this scale's time / the 1x time (linearity)
    frictionless      at 1x unless --skip-frictionless: wall_s, cpu_s, peak_rss_mb, errors
The targets (issue 18): x_floor_cpu <= 3 and x_1x_cpu <= 10.5 at 10x, peak_rss_mb <= 300.

Figures (2-core container, Python 3.11.7, best of 3; bundle from bench/_bundle.py:
23,000 students, 50 schools, 900 classes, 92,369 CSV rows, 1.2 MB zipped):

    1x   csv.reader floor 0.058 s | renkei 0.236 s (4.07x floor), peak RSS 74 MB
         frictionless 5.21 Table Schema package 2.094 s: 8.9x slower than renkei
    10x  csv.reader floor 0.581 s | renkei 3.024 s (5.21x floor), peak RSS 436 MB
         10x the data took 12.8x the time (hash-table cache misses on 230k-key maps)

Before the column-wise rewrite (row at a time): renkei 0.594 s, 9.05x floor; frictionless
3.9x slower. Target "within 3x of the bare parse" is not met yet (4.1x); the rest is mostly
set/dict work on the key maps and freeing them.

Issue 10 (importer practice, OR701–OR708; the bench bundle now has UUID v4 ids and the
writer quotes every data field). Measured on a shared machine under load 5–10 on 2 cores, so
the reliable figures are CPU time (process_time, best of 5, the trees before and after the
change — a git archive of b262c9b — run interleaved on the same bundle, one child each):

    same 1x bundle (UUID v4, quoted, 4.4 MB zipped): csv floor 0.215 s CPU
      before 0.681 s (3.2x floor)   after 0.733 s (3.4x floor): the new rules cost 5–8%
      (in-process accounting of the OR7xx hooks and the quoting check: 47 ms of 0.87 s)
    the bundle itself: 36-character UUIDs and full quoting make it 4.4 MB zipped (was
      1.2 MB) and double the bare parse (0.109 s -> 0.22 s CPU); renkei / floor fell from
      4.3-4.6x to 3.4-3.8x because the extra bytes are the parser's, not the checks'
    wall clock under that load: 1x floor 0.304 s | renkei 1.145 s (3.76x floor), peak RSS
      84 MB | frictionless 8.4x slower; 10x floor 3.01 s | renkei 16.6 s (5.51x), 508 MB

Issue 17 (RFC 4180 quoting: OR126 quote inside an unquoted field, OR127 text after a closing
quote; one substring search per chunk, a second read of the member only for records whose values
hold a quote). CPU time, best of 5 x 3 interleaved runs, same 1x bundle, load ~4 on 2 cores:
    csv floor 0.172 s | before 0.611 s (3.55x floor) | after 0.609 s (3.54x floor): no cost
    measurable above the noise. Wall clock (this script, default 1x): before 0.638 s (3.47x
    floor), after 0.979 s (3.32x floor; the machine was busier, floor 0.295 s).

Issue 18 (10x the data in one run: ``--tree OLD --tree NEW`` measures both trees on the same
1x and 10x bundles, interleaved, best of 3 per child; peak RSS is the child's VmHWM after its
first run, as one ``renkei check oneroster`` has it). Shared 2-core machine under load 3-5, so
CPU time (process_time) is the figure to compare. Run 1 (nothing else of ours running; RSS then
counted over all 3 runs), run 2 (a serial pytest run on the other core; first-run RSS):
                    floor CPU  before CPU  x floor  RSS     after CPU  x floor  RSS
  run 1   1x         0.170 s    0.599 s    3.52x    90 MB   0.472 s    2.78x    73 MB
          10x        1.722 s    6.802 s    3.95x   525 MB   6.191 s    3.60x   317 MB*
          10x / 1x              11.4                        13.1
  run 2   1x         0.179 s    0.703 s    3.92x    91 MB   0.570 s    3.18x    70 MB
          10x        1.750 s    7.293 s    4.17x   507 MB   6.856 s    3.92x   292 MB
          10x / 1x              10.4                        12.0
  * the peak over 3 runs in one process; a single run peaks at 291-293 MB (5 runs).
Targets at 10x: <= 300 MB met (292 MB, was 507-525); <= 3x the floor not met (3.6-3.9x CPU,
was 3.95-4.2x); 10x the data in <= 10.5x the time not met (12-13x CPU: 1x gained more than 10x).
What changed: reference values share one str per distinct id (BundleState.canonical), roles',
enrollments' and master ids are 128-bit ints (compact_keys), three redundant maps are gone,
the GUID fast path no longer tries a 256-character run at every position (0.31 of 0.9 CPU-s
at 1x under cProfile). What remains, from cProfile at 10x (9.2 s profiled): the csv parse in
the reader (list.extend 3.0 s cumulative), _chunk's own transposition and id sharing 1.35 s,
str.join of value sets 0.77 s (20x its 1x cost: the shared id strings are scattered over the
heap, so the joins and set builds miss the cache), dict isdisjoint/update on the big maps
0.84 s (35x their 1x cost). The superlinear part is cache misses on maps of 230k+ keys; the
next step is integer ids for users (one array per file, ids resolved once), not more interning.

Issue 18, round 3 (``--tree BEFORE --tree AFTER --skip-frictionless --repeat 3 --json``:
BEFORE a git archive of c44a597, AFTER of 03b9853; both trees on the same bundles in one run,
best of 3 CPU-s per child, peak RSS of the first run). The 2 cores were shared with four other
helpers' benches and a prefecture rehearsal, so only CPU time compares, and the load is given:
                    floor CPU  before CPU  x floor  RSS     after CPU  x floor  RSS
  run A  1x          0.171 s    0.537 s    3.15x    70 MB   0.477 s    2.79x    55 MB
  load 7-13  10x     1.767 s    5.939 s    3.36x   295 MB   5.549 s    3.14x   272 MB
         10x / 1x               11.1                        11.6
  run B  1x          0.173 s    0.503 s    2.90x    70 MB   0.509 s    2.94x    56 MB
  load 22-24 10x     1.825 s    6.595 s    3.61x   295 MB   6.043 s    3.31x   272 MB
         10x / 1x               13.1                        11.9
  (run B measured 1537954, before the last commit: rows_where and the homeClass lookups.)
Targets at 10x: <= 300 MB met (272 MB, was 295); <= 3x the floor not met (3.14x CPU in the
quieter run, was 3.36x); 10x the data in <= 10.5x the time not met (11.6-11.9x; the ratio
moves by +-1 with the load, and the 1x run gained about as much as the 10x run).
Findings are unchanged: tests/oneroster/test_golden.py holds the JSON, text and JUnit reports
of the 1x bundle with injected defects (duplicate ids within a chunk and chunks apart, dangling,
upper-cased and other-file references, wrong kinds; 70 findings) and compares byte for byte.
What changed:
  - one UUID shape test in C (values.uuid_lines: hex digits translated to x, compared with a
    cached shape; state.compact_keys rebuilt its 150 KB shape string every chunk) runs first
    in the GUID validator (the character-class regex and max(len) cost ~2 ms per 4,096 ids
    against ~0.25 ms) and replaces the case-blind UUID4 regex over master ids (OR517);
  - OR701 no longer remembers users' ids as judged (a set of 230k strings at 10x probed by every
    roles, enrollments and demographics chunk): those chunks pass the same shape test instead;
  - chunks of 1,024 records instead of 4,096 (a chunk stays in a core's cache while every check
    reads it): -14 MB at 1x, -1 to -4% CPU;
  - rows_where returns at once for an empty set (the reference pass scanned every row of every
    chunk for nothing); enrollments' homeClass lookups run in C.
What remains at 10x (process_time per step, 5.5 CPU-s, load 8): the parse into chunks 2.5 s
(the bare parse is 1.77; the rest is the stream's layers, the quote test and holding a chunk's
rows), and in the column pass the transposition ~0.3 s, canonical id sharing ~0.4 s (users' and
enrollments' 0.29 s measured; 2.3M probes of a 240k-key dict), the id maps
0.44 s, validators 0.33 s, the users' hooks (master ids, userIds) 0.41 s, enrollments' and
roles' cross-file maps 0.29 s. Every part is 11-16x its 1x cost: no one map dominates. Integer
ids per file (one probe per reference resolving it to an int that the cross-file maps and the
OR701 verdicts then use, in place of the canonical probe, the membership probe and the tuple
keys) is the change left to try for both the 3x and the linearity target.

Issue 18, round 4 (``--tree /work/base --tree AFTER --skip-frictionless --repeat 3 --json``,
three runs, the trees' order alternated; BEFORE c1d44ad, AFTER 7856f11; CPU-s best of 3 per
child, peak RSS of the first run; 2 cores shared with four other helpers, load 12-14):
                    floor CPU  before CPU  x floor  RSS     after CPU  x floor  RSS
  run 1  1x          0.175 s    0.471 s    2.69x    55 MB   0.417 s    2.38x    55 MB
         10x         1.712 s    5.453 s    3.18x   271 MB   4.853 s    2.83x   262 MB
         10x / 1x               11.6                        11.6
  run 2  1x          0.171 s    0.469 s    2.74x    55 MB   0.429 s    2.50x    55 MB
         10x         1.710 s    5.128 s    3.00x   271 MB   4.755 s    2.78x   262 MB
         10x / 1x               10.9                        11.1
  run 3  1x          0.174 s    0.439 s    2.52x    55 MB   0.432 s    2.48x    55 MB
         10x         1.704 s    5.277 s    3.10x   271 MB   4.901 s    2.88x   262 MB
         10x / 1x               12.0                        11.4
Targets at 10x: <= 3x the floor met (2.78-2.88x in every run, was 3.00-3.18x); <= 300 MB met
(262 MB, was 271); 10x the data in <= 10.5x the time not met (11.1-11.6x; the 1x run gained
a little too, and the ratio still moves by +-0.7 between runs at this load).
What changed:
  - users are keyed by the line of their id in users.csv (BundleState.user_keys): roles',
    enrollments' and demographics' user columns are probed once per chunk against users.csv's
    id map instead of the shared-string map, the reference pass and the hooks share the
    answer, and the cross-file maps hash those ints instead of strings scattered over the heap
    (the shared-string map was 0.66 of 5.5 CPU-s at 10x, 14.7x its 1x cost);
  - the id and duplicate maps (sourcedIds, primary roles, enrollments, master ids, userIds)
    take one setdefault probe per key, in C (state.first_lines), in place of a fresh dict, a
    disjointness test and an update (two probes of a 230k-key map per row);
  - home_class keeps 3-tuples, so the memory of its entries deleted while enrollments are
    read is reused by the enrollments' keys (a 4-tuple cost 22 MB of peak at 10x).
Growth per step (cProfile tottime at 10x / at 1x, the same bundles; "mid" is after the
first change only): the shared-string map and transposition (_chunk) 17.8x -> 11.2x (mid);
str.join 16.3x -> 13.4x (mid); the id maps' isdisjoint 22x and update 12.5x (0.35 + 0.42 of
8.1 profiled CPU-s at 10x) -> one setdefault probe (below); all profiled work 12.3x -> 10.8x
(mid). What remains superlinear (py-spy share of samples at 1x -> 10x, after): the id maps'
setdefault probes (6.7% -> 9.5%: maps of 230k keys miss the cache) and the quote test's join
of each chunk (3.6% -> 7.1%: fresh rows at 10x land in a heap 5x larger, so every pass over a
chunk's strings misses the cache more). Left to try: a cheaper quote test than joining every
value, and arrays indexed by the user's line for the per-user maps (users_with_roles,
primary roles, enrollments' keys).

Issue 18, round 5 (``--tree /work/base --tree AFTER --skip-frictionless --repeat 3 --json``, six
runs, the trees' order alternated; BEFORE df6bceb, AFTER c34d79a for runs A, 439fd1d for runs B;
CPU-s best of 3 per child, peak RSS of the first run; 2 cores shared with three other helpers'
benches, load 5-9 at every start, so the pairs compare and the single figures wander):
                    floor CPU  before CPU  x floor  RSS     after CPU  x floor  RSS
  run A1 1x          0.172 s    0.414 s    2.41x    54 MB   0.413 s    2.40x    42 MB
  load 6 10x         1.704 s    4.480 s    2.63x   267 MB   4.319 s    2.54x   146 MB
         10x / 1x               10.8                        10.5
  run A2 1x          0.176 s    0.407 s    2.31x    54 MB   0.417 s    2.36x    42 MB
  load 7 10x         1.705 s    4.789 s    2.81x   267 MB   4.491 s    2.63x   146 MB
         10x / 1x               11.8                        10.8
  run A3 1x          0.172 s    0.392 s    2.28x    54 MB   0.418 s    2.43x    42 MB
  load 9 10x         1.707 s    4.938 s    2.89x   267 MB   4.900 s    2.87x   146 MB
         10x / 1x               12.6                        11.7
  run B1 1x          0.170 s    0.386 s    2.26x    54 MB   0.398 s    2.34x    39 MB
  load 5 10x         1.726 s    4.215 s    2.44x   267 MB   4.289 s    2.49x   142 MB
         10x / 1x               10.9                        10.8
  run B2 1x          0.177 s    0.434 s    2.45x    54 MB   0.428 s    2.42x    39 MB
  load 7 10x         1.689 s    4.496 s    2.66x   267 MB   4.561 s    2.70x   132 MB
         10x / 1x               10.4                        10.7
  run B3 1x          0.169 s    0.421 s    2.49x    54 MB   0.383 s    2.26x    39 MB
  load 7 10x         1.686 s    4.609 s    2.73x   267 MB   4.576 s    2.71x   142 MB
         10x / 1x               10.9                        12.0
Targets at 10x: <= 3x the floor met (2.5-2.9x, as before); <= 300 MB met with room (132-146 MB,
was 267: the peak halved); 10x the data in <= 10.5x the time not shown: median 10.8x after
(10.5-12.0) against 10.9x before (10.4-12.6). The after tree is lower in four pairs of six, by
0.1-1.0, and higher in two; the 1x child alone moves by 10% between runs at this load, which
moves the ratio by 1. No change of the ratio is proven at this load.
Per step (process_time around each step, best of 3, the same bundles, one run each, load 7;
"growth" is 10x / 1x): the whole check 11.6x -> 11.0x (5.03 -> 4.46 CPU-s at 10x); users.csv
12.0x -> 11.2x, enrollments 12.4x -> 11.6x, roles 11.3x -> 11.1x, demographics 11.1x -> 10.7x;
users' master ids and userIds hook 14.6x -> 13.2x (0.347 -> 0.278 s). What still grows faster
than the data: the id maps' probes (_ids 13-19x: users' 228k fresh str keys 19x, 0.09 s),
the users.csv probes behind roles' and enrollments' references (15-16x, 0.1 s each), the
cross-file hooks (14x, 0.1 s each): ~1.1 of 4.5 CPU-s at 10x, together ~0.3 s above linear,
so even all of it made linear would leave the ratio ~10.3-10.5x. The rest (the parse with the
stream's layers 11x, the transposition, validators 10x) is linear within the noise. The
parse alone through renkei's stream (CsvStream.chunks, nothing checked) is 9.7x.
What changed:
  - each file's own maps are let go once the file is read (BundleState.file_done): users'
    master ids and userIds elements after users.csv, roles' ids and (user, org) keys after
    roles.csv (the users with a primary role kept only if a secondary role needs them),
    demographics' matched ids, enrollments' ids and keys; nothing refers to those ids;
  - users with a role: a byte per users.csv line (bytearray) instead of a set of 228k ints;
  - userIds elements map to the line they were first met on, not a (sourcedId, line) tuple;
    the line's user is its key, noted only where it is not the line (repeated or blank ids);
  - homeClass kept as the bare class id for the usual row (its line is its key), the 3-tuple
    only for repeated or blank sourcedIds; OR603 finds the sourcedId in users.csv's id map.
The bench itself was checked for fairness: the 1x and 10x children run the same code in fresh
processes from the same warm bundles in one temporary folder (built just before, in the page
cache), imports done before the clock starts, best of N each; nothing favours the 1x run, so
the measure is unchanged.

Issue 18, round 5b (the three steps left above, each tried and measured per step: process_time
around each FilePass step and hook, best per child of 3 runs, HEAD 9dda66c and the change as
frozen trees run interleaved on the same 1x and 10x bundles, 2-3 rounds each, load 5-8; CPU-s
1x -> 10x, before | after). None made its step cheaper at 10x, so none was committed:
  - (user, class, role) and (user, org) keys as one int (user's line in the low 32 bits xor a
    mix of a number given to the (class, role) / (org,) values, the number above): the
    enrollments hook 0.006 -> 0.082 | 0.012 -> 0.142, the roles hook 0.005 -> 0.072 |
    0.012 -> 0.121. The five C maps that build an int cost more than zip's tuples; a bare
    line | number << 32 key would put all of one user's rows on one dict slot chain;
  - demographics' duplicate check in a list indexed by the user's line (no dict; all in C,
    keys stored last to first so a repeat keeps its first line): demographics' _ids
    0.005 -> 0.078 | 0.007 -> 0.096. The dict of 230k int keys was not its cost: the step is
    users.csv's id map probe (user_keys), which both keep;
  - users' sourcedIds copied side by side (one join and split per chunk) as the id map's
    keys, so the 700k reference probes that find a user compare against packed strings:
    the reference probes 1x 0.005 -> 0.004 s each, 10x -0.004 to -0.012 s each (roles,
    enrollments, demographics), users' _ids 0.076 -> 0.099-0.103 s: no net gain at 10x, and
    the ratio worse (1x gains more). The misses are in the dict's table, not in the keys.
What did pay: not probing the big map per row. Once users.csv is read, two lists indexed by
line hold each user's sourcedId and key at its first line; a referencing chunk whose values
are the sourcedIds at the lines from its first value's on (a file in users.csv's order) is keyed
by one probe and one slice, any other chunk probes per value as before (82b0de7). Per step,
same method, 3 rounds at load 3.2-3.6, 1x -> 10x before | after: roles' references
0.005 -> 0.082 | 0.002 -> 0.029, enrollments' 0.005 -> 0.090 | 0.003 -> 0.033, demographics'
ids 0.005 -> 0.075 | 0.003 -> 0.028; the whole check 0.375 -> 4.137 (11.0x) | 0.369 -> 3.882
(10.5x). The bench bundle writes roles, enrollments and demographics in users' order (every
next row's user is the next user); an export in another order keeps the old cost, no more.
This script, ``--tree BEFORE(9dda66c) --tree AFTER(82b0de7) --repeat 3``, two runs with the
trees' order alternated, load 1.6-2.3 (CPU-s before -> after; floor 0.171-0.172 s at 1x,
1.681-1.683 s at 10x): run 1 at 1x 0.364 -> 0.354 (2.12x -> 2.07x floor, 39 -> 40 MB), at 10x
3.950 -> 3.874 (2.35x -> 2.30x, 132 -> 135 MB), 10x/1x 10.9 both; run 2 at 1x 0.381 -> 0.363
(2.21x -> 2.11x), at 10x 3.927 -> 3.834 (2.34x -> 2.28x, 132 -> 135 MB), 10x/1x 10.3 -> 10.6.
So the whole check is 2-3% cheaper at 10x (and ~3-5% at 1x, where the probes were cheap too),
+3.6 MB peak (two line-indexed lists); 10x in <= 10.5x the time is not shown by either tree
(10.3-10.9x at this load; the per-step rounds above gave 11.0 -> 10.5, within the noise).
Left: users' own id, master id and userIds maps (_ids ~20x, that hook 13-14x, ~0.1 s above
linear at 10x) are one random probe of a table larger than the cache per row.

Issue 18, round 6 (the maps of 230k keys that are only a duplicate check). Users' master ids
and userIds are now a set until a key repeats (state.FirstLines: the dict is built from the
keys and lines kept in order on the first repeat or blank value, and is the store from then
on); roles' primary (user, org) and enrollments' (user, class, role) keys are kept at the user
(state.first_lines_by_user: each user's first key in a dict keyed by the user's line, which an
int hashes to, so a file in users' order fills the table in order; a user's further keys in a
dict of whole keys). Tried and not kept: roles' and enrollments' own ids as sets (the probes
0.117 -> 0.101 and 0.109 -> 0.095 CPU-s at 10x, but freeing a set touches its keys in hash
order: file_done.roles 0.008 -> 0.045, enrollments 0.010 -> 0.049 s); users' id map as a dict
that keeps each key's hash in its entry (a deleted int key first: users' _ids 0.092 -> 0.077 s
at 10x, a CPython detail for 1.5%). Findings identical: golden test, test_first_lines (random
runs against first_lines on plain dicts), 150 random defect bundles' JSON byte for byte.
Per step (process_time around each step, best of 3 per child, three rounds with the trees
interleaved, load 6-8; CPU-s 1x -> 10x, /work/base f69157a | after adc4ae4): the whole check
0.400 -> 4.503 (11.3x) | 0.398 -> 4.158 (10.4x); users.csv's pass 0.071 -> 0.933 (13.1x) |
0.074 -> 0.773 (10.5x); the users' master id and userIds hook 0.020 -> 0.306 (15.0x) | 0.020
-> 0.211 (10.5x); enrollments' keys hook 0.006 -> 0.088 (14.8x) | 0.004 -> 0.047 (11.5x);
roles' 0.005 -> 0.079 (15.6x) | 0.004 -> 0.043 (11.3x); freeing the sets at users.csv's end
0.040 -> 0.050 | 0.055 -> 0.062. Still above 12x: users' own id map (_ids 18-22x, 0.08 s),
roles' and enrollments' own ids (13-15x, 0.11-0.12 s each), enrollments' references (13x).
This script, ``--tree /work/base --tree AFTER(adc4ae4) --repeat 3``, three runs, the trees'
order alternated, load 4.9-6.7 (CPU-s before | after; floor 0.172-0.173 s at 1x, 1.694-1.711 s
at 10x): at 1x 0.411 | 0.413, 0.401 | 0.387, 0.362 | 0.360 (2.10-2.40x floor both); at 10x
4.358 | 4.352, 4.041 | 3.996, 4.014 | 4.047 (2.34-2.56x floor both), 135 | 136 MB; 10x/1x
10.62 | 10.55, 10.07 | 10.33, 11.09 | 11.24. Two more sets of interleaved children (best of 3
each, /tmp scripts): 4 rounds at load 4.3-6.1, 10x/1x median 10.72 (10.60-11.88) before,
10.38 (9.78-10.62) after; 5 rounds at load 8.4-11.2, 10.84 (9.80-12.06) | 11.03 (10.31-11.66).
So the steps changed now grow 10.5-11.5x (were 15x) and the whole check's own steps 10.4x
(were 11.3x) in the per-step rounds, but at this load (other helpers' prefecture runs on the
other core) one child's 1x time moves by 10%, and no whole-run ratio of 10.5x or less is shown
against the before tree: the two trees' 10x times differ by 1-3%, inside the noise.

Issue 18, round 7 (users' own sourcedIds, 4445114). users.csv's id map (a dict of 228k str keys
at 10x, users._ids 26-29x its 1x cost) is a FirstLines (a set, and the ids and lines in order,
until an id repeats or is blank). A chunk of all-new ids keys its users by their own lines, so
users.csv's hooks no longer probe the map; after users.csv a referencing chunk in users' order
is matched from where the last one ended, or from the first user, by a slice of the ids in
order (no probe at all); the dict is built only if a chunk comes in another order (or OR602
needs it), and crossfile.finish walks the ids in order. Findings identical (tests/oneroster,
the golden reports, 150 random defect bundles' JSON byte for byte against /work/base).
Per step (process_time around each step, best of 3 per child, 3 rounds with the trees
interleaved, load 3.5-6.4; CPU-s 1x -> 10x, /work/base 6a8e368 | after): the whole check
0.373 -> 4.267 (11.4x) | 0.374 -> 4.043 (10.8x); users.csv's pass 0.148 -> 1.901 (12.9x) |
0.148 -> 1.655 (11.2x); users._ids 0.003 -> 0.086 | 0.003 -> 0.038; file_done(users) 0.005
-> 0.065 | 0.002 -> 0.020; users' homeClass hook 0.005 -> 0.060 | 0.003 -> 0.033; the other
files' steps as before. Cachegrind (deterministic; one check, imports subtracted; D1 32 KB, LL
simulated as a 1 MB L2): instructions 1x 3,992 M | 3,940 M, 10x 38,855 M (9.73x) | 38,417 M
(9.75x); L2 data misses 1x 11.6 M | 11.5 M, 10x 121.0 M (10.4x) | 119.8 M (10.4x). So the
instructions and the misses of a 1 MB cache grow ~10x in both trees and drop ~1%: what the
change saves at 10x is the latency of misses in the 228k-key table (L3, TLB), which only the
timings see. This script, ``--tree /work/base --tree AFTER --skip-frictionless --repeat 3
--json``, 10 runs with the trees' order alternated, 20:41-21:13 UTC, load 5.8-9.7 (another
helper's prefecture run on the other core): 10x/1x median 10.46 (9.48-11.13) before, 10.31
(9.50-11.68) after; the after tree's 10x time is lower in 7 pairs of 10 (median -2.5%), but
its 1x time moved as much (median of the pairs -2.6%, one pair -13%), so no change of the
ratio is shown at this load; x floor 2.40 | 2.36 (median); peak RSS 143 | 147 MB (the set and
two lists in order against the dict and two line-indexed lists).
Looked at, not changed: the cyclic collector is paused around the whole pass (a 10x check
runs 2 collections, ~1 ms); a 10x check takes 26-47k page faults (0.09-0.13 s of system time,
against ~0.01 s and 1.7-6k at 1x), about half of them in the memset of set and dict tables
growing (users' master ids, userIds, the id maps, home_class), and 11k while users.csv is
parsed (the heap grows with what the pass keeps per user); inserting each chunk's keys in
table order (sorted by hash) costs more than it saves (a micro: 33 -> 52 ns a key from 24k to
240k keys plain, 180 -> 203 sorted); dropping users' set after users.csv (membership rebuilt
from the ids in order if asked) showed no change in the later files' steps. Left above 12x
per step: roles' and enrollments' own ids (13-14x, ~0.11 CPU-s each at 10x).

Issue 18, round 9 (no change to the checker; the brief's quiet run at 02:20 UTC on b56318d: 2.18x
the floor, 10.59x, 149 MB). This script, ``--tree /work/base --tree AFTER --skip-frictionless
--repeat 3 --json`` (AFTER the round's generator commits; the checker's code is the same), load
5.7-6.5 from other helpers: floor 0.160 | 1.592 CPU-s; 1x 0.364 | 0.354, 10x 3.958 | 3.987
(2.49x | 2.51x the floor), 10x/1x 10.88 | 11.26, 145-148 MB, 0 findings both. Looked at (CPU-s
best of 3 per child, 1x -> 10x, same load): per step, the file passes' chunks 10.9-11.2x (users
0.067 -> 0.740), roles' and enrollments' own ids (_ids) 12.6x and 13.5x, users' hooks 11.1x,
the whole check 10.4x in that run; cProfile (process_time) first_lines 19x (0.009 -> 0.161,
roles' and enrollments' id maps) and the quote test's join 14.5x (0.018 -> 0.257), the rest
10-12x. System time (getrusage, three runs in one child, two children per scale): 1x 7.0-7.5k
minor faults in the first run, 2.6-2.9k in the next two (0-0.012 s); 10x 48.7-49.5k, then
28-33k (0.09-0.25 s): the 1x child's later runs reuse the heap its first run left, the 10x
child's return ~120 MB to the system between runs and fault it back (with MALLOC_MMAP_THRESHOLD_
1 GiB and MALLOC_TRIM_THRESHOLD_ 16 GiB still 12-16k: pymalloc's freed arenas). So in this
script's best of 3 the faults grow 11-13x for 10x the data, in a first run (one `renkei check
oneroster`) 7x; not changed (the allocator's, not the checker's).
Tried, not kept: roles' and enrollments' sourcedIds kept as the parsed str instead of
compact_keys' 128-bit ints (two interleaved rounds: roles 0.080/0.073 -> 0.073/0.070 at 1x,
0.821/0.805 -> 0.783/0.778 at 10x; enrollments 0.097/0.085 -> 0.086/0.086, 0.947/0.923 ->
0.883/0.910; file_done +0.004-0.005 each at 10x): both scales gain alike, no ratio change
shown. The quote test's join in a micro over the same chunks (all kept alive): 1x 0.024, 10x
0.234 s (10x) for the join of row joins, 0.022 / 0.217 for one join of all values, 0.041 /
0.402 for a probe per value: linear alone; its 14.5x in the check is the heap the pass keeps
around it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

_CHILD = r"""
import json, sys, time
sys.path[:0] = [{root!r}, {here!r}]
what, path = sys.argv[1], sys.argv[2]
if what == "renkei":  # imports are not part of the work measured (csv and zipfile are loaded)
    from harness.oneroster import check_bundle
elif what == "frictionless":
    import frictionless  # noqa: F401
def run():
    if what == "renkei":
        result = check_bundle(path)
        return {{"findings": result.report.summary["total"]}}
    if what == "csv":
        import csv, io, zipfile
        rows = 0
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                with z.open(name) as fh:
                    for _ in csv.reader(io.TextIOWrapper(fh, encoding="utf-8", newline="")):
                        rows += 1
        return {{"rows": rows}}
    from frictionless_package import validate_with_frictionless
    return validate_with_frictionless(path)
def peak_mb():
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so a child would report the
    # parent's peak
    return next(int(l.split()[1]) for l in open("/proc/self/status")
                if l.startswith("VmHWM")) / 1024
walls, cpus, rss = [], [], None
for _ in range(int(sys.argv[3])):  # best of N: the machine may be busy
    t, c = time.perf_counter(), time.process_time()
    extra = run()
    walls.append(time.perf_counter() - t)
    cpus.append(time.process_time() - c)
    # the peak of the first run, as one `renkei check oneroster` has it (later runs in the
    # same process start from the heap the first one left fragmented: ~20 MB more at 10x)
    rss = rss or peak_mb()
print(json.dumps({{"seconds": min(walls), "cpu": min(cpus), "peak_rss_mb": rss, **extra}}))
"""


def measure(what: str, bundle: Path, repeat: int = 3, root: Path = ROOT) -> dict:
    """Run ``what`` on ``bundle`` in a child process with ``root`` first on its path."""
    code = _CHILD.format(root=str(root), here=str(HERE))
    proc = subprocess.run([sys.executable, "-c", code, what, str(bundle), str(repeat)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{what} ({root}) failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(trees: list[Path], scales: list[int], repeat: int, frictionless: bool) -> dict:
    """Measure every tree at every scale; the figures :func:`main` prints (see ``--json``)."""
    sys.path[:0] = [str(ROOT), str(HERE)]
    from _bundle import build

    out: dict = {"bench": "check_oneroster", "repeat": repeat, "load_avg": list(os.getloadavg()),
                 "trees": [str(t) for t in trees], "scales": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for scale in scales:
            bundle = build(Path(tmp) / f"x{scale}" / "RO_20250501_082201.zip",
                           students=23_000 * scale, schools=50 * scale)
            floor = measure("csv", bundle, repeat)
            fig: dict = {"rows": floor["rows"], "zip_bytes": bundle.stat().st_size,
                         "floor_cpu_s": floor["cpu"], "floor_wall_s": floor["seconds"],
                         "floor_peak_rss_mb": floor["peak_rss_mb"], "renkei": {}}
            for tree in trees:
                r = measure("renkei", bundle, repeat, tree)
                fig["renkei"][str(tree)] = {
                    "cpu_s": r["cpu"], "wall_s": r["seconds"], "peak_rss_mb": r["peak_rss_mb"],
                    "findings": r["findings"], "x_floor_cpu": r["cpu"] / floor["cpu"],
                    "x_floor_wall": r["seconds"] / floor["seconds"]}
            if scale == 1 and frictionless:
                fr = measure("frictionless", bundle, repeat=1)
                fig["frictionless"] = {"wall_s": fr["seconds"], "cpu_s": fr["cpu"],
                                       "peak_rss_mb": fr["peak_rss_mb"], "errors": fr["errors"]}
            out["scales"][str(scale)] = fig
    if "1" in out["scales"]:
        for fig in out["scales"].values():
            for tree, r in fig["renkei"].items():
                base = out["scales"]["1"]["renkei"][tree]
                r["x_1x_cpu"] = r["cpu_s"] / base["cpu_s"]
                r["x_1x_wall"] = r["wall_s"] / base["wall_s"]
    return out


def report(out: dict) -> None:
    """The figures of :func:`run` as text."""
    single = len(out["trees"]) == 1
    for scale, fig in out["scales"].items():
        print(f"scale {scale}x: {fig['rows']:,} CSV rows, {fig['zip_bytes']:,} bytes")
        print(f"  csv.reader parse (floor): {fig['floor_wall_s']:.3f} s wall, "
              f"{fig['floor_cpu_s']:.3f} s CPU, peak RSS {fig['floor_peak_rss_mb']:.0f} MB")
        for tree, r in fig["renkei"].items():
            label = "renkei" if single else f"renkei [{tree}]"
            print(f"  {label}: {r['wall_s']:.3f} s wall, {r['cpu_s']:.3f} s CPU, "
                  f"peak RSS {r['peak_rss_mb']:.0f} MB, {r['findings']} findings")
            print(f"    / floor: {r['x_floor_wall']:.2f}x wall, {r['x_floor_cpu']:.2f}x CPU")
            if scale != "1" and "x_1x_cpu" in r:
                print(f"    {scale}x time / 1x time: {r['x_1x_wall']:.1f} wall, "
                      f"{r['x_1x_cpu']:.1f} CPU ({scale} = linear)")
        if "frictionless" in fig:
            fr, first = fig["frictionless"], next(iter(fig["renkei"].values()))
            print(f"  frictionless validate:    {fr['wall_s']:.3f} s, "
                  f"peak RSS {fr['peak_rss_mb']:.0f} MB, {fr['errors']} errors")
            print(f"  frictionless / renkei:    {fr['wall_s'] / first['wall_s']:.1f}x")
    print("load average at the start: " + " ".join(f"{x:.2f}" for x in out["load_avg"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-frictionless", action="store_true")
    parser.add_argument("--no-10x", action="store_true", help="skip the 10x linearity run")
    parser.add_argument("--repeat", type=int, default=3, help="best of N per child (default 3)")
    parser.add_argument("--tree", action="append", type=Path, default=[],
                        help="a source tree to measure (repeatable; default this one); several "
                             "trees are measured interleaved on the same bundles")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object of the figures instead of text")
    args = parser.parse_args()
    trees = [t.resolve() for t in args.tree] or [ROOT]
    out = run(trees, [1] if args.no_10x else [1, 10], args.repeat, not args.skip_frictionless)
    if args.json:
        print(json.dumps(out))
    else:
        report(out)


if __name__ == "__main__":
    main()
