// Usage texts of `swift package benchmark` and its verbs.

enum Help {
  static let main = """
    OVERVIEW: run the benchmark suites in Benchmarks/ (ordo-one/package-benchmark),
    gate them on the committed baselines, and chart them.

    USAGE: swift package benchmark [run] [--quick] [harness options]
           swift package benchmark gate        [selection] [gate options]
           swift package benchmark gate-update [selection] [--runs N]
           swift package benchmark report      [selection] [--output DIR] [--results FILE]...
           swift package benchmark list | baseline … | thresholds …   (the harness's own verbs)
           swift package benchmark help [gate | gate-update | report | harness]

    VERBS:
      run (default)  Runs every suite in turn (suite i of n) and prints each one's tables.
                     Exits non-zero when the harness fails, a suite crashes, or a suite
                     measures nothing.
      gate           Runs, compares with Benchmarks/Baselines/<swift>/, re-runs once on a
                     regression; warns loudly about suites with no baseline.
      gate-update    Runs N times and writes the medians as the new baselines.
      report         Runs and writes a few SVG charts plus summary.md.

    OPTIONS (every verb):
      --quick        Caps every benchmark at 3 iterations / 0.3 s (same as the
                     environment variable SN_BENCHMARK_QUICK=1): checks that every suite
                     works, in a few minutes; its figures are not for comparison.
      --benchmarks-scratch-path DIR
                     The nested package's build folder (default Benchmarks/.build).
      -h, --help     This text; `swift package benchmark gate --help` for a verb's options.

    SELECTION (run, gate, gate-update, report):
      --target RE    Suites whose name matches the regular expression (repeatable).
      --skip-target RE
                     Suites to leave out (repeatable).
      --filter RE, --skip RE
                     Benchmarks inside the suites (passed to the harness).

    Suites: SUITES (one folder each in Benchmarks/Benchmarks).
    Any other argument goes to the harness as is
    (--format, --path, --metric, --no-progress, --grouping, …): see its own help with
    `swift package benchmark help harness`.
    More: Plugins/README.md and Benchmarks/README.md.
    """

  static let gate = """
    USAGE: swift package benchmark gate [selection] [--baselines DIR] [--policy FILE]
                                        [--markdown FILE] [--verdict FILE] [--strict] [--no-rerun]

    Runs the selected suites, compares each gated metric with the baselines and the policy,
    and re-runs once on a regression before failing (two regressions in a row fail).

      --baselines DIR  Baseline folder (default Benchmarks/Baselines/<swift major.minor>).
      --policy FILE    Gate rules (default Benchmarks/Baselines/policy.json).
      --markdown FILE  Also write the comparison as markdown (for a CI summary).
      --verdict FILE   Write pass, improvement, regression or missing-baseline.
      --strict         Fail when a suite has no baseline for this toolchain (by default
                       it is only warned about: nothing in it can be gated).
      --no-rerun       Fail on the first regression.
      selection        --target, --skip-target, --filter, --skip as for `run`.
    """

  static let gateUpdate = """
    USAGE: swift package benchmark gate-update [selection] [--runs N] [--baselines DIR]

    Runs the selected suites N times (default 3) and writes the medians of every percentile
    as the new baselines (one JSON file per suite in Benchmarks/Baselines/<swift>/). Suites
    not run keep their files.
    """

  static let report = """
    USAGE: swift package benchmark report [selection] [--output DIR] [--results FILE]...
                                          [--baselines DIR] [--policy FILE]

    Writes a few charts and summary.md (default Benchmarks/.build/benchmark-report/):
    ratios of ours against the peers and the references, scaling with the worker count,
    latency percentiles, and a p50 table per suite (with the gate's comparison when
    baselines exist). Log scales where values span orders of magnitude.

      --output DIR     Output folder.
      --results FILE   Chart an existing influx export instead of running (repeatable).
    """
}
