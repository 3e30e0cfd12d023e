#!/usr/bin/env python3
"""A focused structural check of .github/workflows/ci.yml.

Debian 12 has no actionlint, and the GitHub workflow JSON schema cannot be
downloaded here, so this is not a full schema validation: it checks what this
project's workflow relies on, with python3-yaml only.

  - the file parses as YAML; it has `name`, `on` and `jobs`;
  - every job has `runs-on`, a `timeout-minutes` and a non-empty list of
    steps; every step has exactly one of `uses` / `run`, and every `uses`
    is pinned to a version (`owner/action@ref`);
  - every `${{ ... }}` is closed, and every `matrix.KEY` it names is a key
    of that job's matrix;
  - every `ci/NAME.sh` a step or a matrix entry runs exists in the repo and
    is executable: the workflow runs the scripts a developer runs by hand;
  - the suites matrix has default, tsan and asan, running ci/test.sh,
    ci/sanitize.sh tsan and ci/sanitize.sh asan, and fuzz-smoke running
    ci/fuzz.sh once the repo has that script;
  - the explore and stress jobs are sharded (a matrix of more than one
    shard or seed), and an explore job's I/N matches its shard list;
  - every job caches the build (actions/cache) and uploads
    build/ci-artifacts/ with `if: failure()`;
  - .ci/run still runs the README's test command, ci/test.sh.

Usage: workflow_check.py REPO_ROOT        check the repo's workflow
       workflow_check.py --self-test ROOT  each of a set of broken copies
                                           must be rejected
Exit 0 when the check passes, 1 with one line per problem otherwise.
"""
import copy
import os
import re
import sys

import yaml

EXPR = re.compile(r"\$\{\{(.*?)\}\}")
SCRIPT = re.compile(r"\bci/[A-Za-z0-9_-]+\.sh\b")
REQUIRED_SUITES = {
    "default": "ci/test.sh",
    "tsan": "ci/sanitize.sh tsan",
    "asan": "ci/sanitize.sh asan",
}
FUZZ_SUITE = ("fuzz-smoke", "ci/fuzz.sh")


def strings(node):
    """Every string below `node` (keys and values)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from strings(k)
            yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)


def matrix_keys(job):
    matrix = (job.get("strategy") or {}).get("matrix") or {}
    keys = {k for k in matrix if k not in ("include", "exclude")}
    for entry in matrix.get("include") or []:
        keys |= set(entry)
    return keys, matrix


def check(doc, root):
    problems = []
    if not isinstance(doc, dict):
        return ["the workflow is not a mapping"]
    # PyYAML reads the bare key `on` as the boolean true (YAML 1.1).
    triggers = doc.get("on", doc.get(True))
    for key, value in (("name", doc.get("name")), ("on", triggers), ("jobs", doc.get("jobs"))):
        if not value:
            problems.append(f"top level: `{key}` is missing or empty")
    jobs = doc.get("jobs") or {}
    if not isinstance(jobs, dict):
        return problems + ["`jobs` is not a mapping"]

    for job_id, job in jobs.items():
        where = f"jobs.{job_id}"
        if not isinstance(job, dict):
            problems.append(f"{where}: not a mapping")
            continue
        if not job.get("runs-on"):
            problems.append(f"{where}: no runs-on")
        if not isinstance(job.get("timeout-minutes"), int):
            problems.append(f"{where}: no integer timeout-minutes")
        steps = job.get("steps")
        if not isinstance(steps, list) or not steps:
            problems.append(f"{where}: no steps")
            steps = []
        keys, matrix = matrix_keys(job)
        for text in strings(job):
            if text.count("${{") != text.count("}}"):
                problems.append(f"{where}: unbalanced expression in {text!r}")
            for expr in EXPR.findall(text):
                for key in re.findall(r"\bmatrix\.([A-Za-z0-9_-]+)", expr):
                    if key not in keys:
                        problems.append(f"{where}: matrix.{key} is not a key of the job's matrix")
        runs = [s.get("run", "") for s in steps if isinstance(s, dict)]
        runs += [v for e in matrix.get("include") or [] for v in e.values() if isinstance(v, str)]
        for text in runs:
            for script in SCRIPT.findall(text):
                path = os.path.join(root, script)
                if not os.path.isfile(path) or not os.access(path, os.X_OK):
                    problems.append(f"{where}: runs {script}, which is not an executable file in the repo")
        uses = []
        for i, step in enumerate(steps):
            if not isinstance(step, dict):
                problems.append(f"{where}.steps[{i}]: not a mapping")
                continue
            if ("uses" in step) == ("run" in step):
                problems.append(f"{where}.steps[{i}]: needs exactly one of uses/run")
            if "uses" in step:
                if not re.fullmatch(r"[\w.-]+/[\w./-]+@[\w.-]+", str(step["uses"])):
                    problems.append(f"{where}.steps[{i}]: uses {step['uses']!r} is not owner/action@ref")
                uses.append(step)
        if not any(str(s["uses"]).startswith("actions/cache@") for s in uses):
            problems.append(f"{where}: does not cache the build (actions/cache)")
        uploads = [s for s in uses if str(s["uses"]).startswith("actions/upload-artifact@")]
        if not any("failure()" in str(s.get("if", "")) and "build/ci-artifacts" in str((s.get("with") or {}).get("path", ""))
                   for s in uploads):
            problems.append(f"{where}: does not upload build/ci-artifacts/ if: failure()")

    suites = jobs.get("suites") or {}
    include = (((suites.get("strategy") or {}).get("matrix") or {}).get("include")) or []
    by_suite = {e.get("suite"): str(e.get("command", "")) for e in include if isinstance(e, dict)}
    required = dict(REQUIRED_SUITES)
    if os.path.isfile(os.path.join(root, FUZZ_SUITE[1])):
        required[FUZZ_SUITE[0]] = FUZZ_SUITE[1]
    for suite, command in required.items():
        if not by_suite.get(suite, "").startswith(command):
            problems.append(f"jobs.suites: suite {suite} must run `{command}`, runs {by_suite.get(suite)!r}")

    for job_id, axis, script in (("explore", "shard", "ci/explore.sh"), ("stress", "seed", "ci/stress.sh")):
        job = jobs.get(job_id) or {}
        values = (((job.get("strategy") or {}).get("matrix") or {}).get(axis)) or []
        if len(values) < 2:
            problems.append(f"jobs.{job_id}: not sharded (matrix.{axis} needs two or more values)")
        if len(set(map(str, values))) != len(values):
            problems.append(f"jobs.{job_id}: matrix.{axis} repeats a value")
        runs = " ".join(s.get("run", "") for s in job.get("steps") or [] if isinstance(s, dict))
        if script not in runs:
            problems.append(f"jobs.{job_id}: does not run {script}")
        if job_id == "explore":
            for n in re.findall(r"\$\{\{\s*matrix\.shard\s*\}\}/(\d+)", runs):
                if int(n) != len(values) or sorted(values) != list(range(len(values))):
                    problems.append(f"jobs.explore: shards {values} do not make the parts of /{n}")

    ci_run = os.path.join(root, ".ci", "run")
    if not os.path.isfile(ci_run) or "ci/test.sh" not in open(ci_run, encoding="utf-8").read():
        problems.append(".ci/run: does not run ci/test.sh (the README's test command)")
    return problems


def self_test(doc, root):
    """Each broken copy must be rejected; the real one must pass."""
    def broken(mutate):
        d = copy.deepcopy(doc)
        mutate(d)
        return d

    def first_step_of(job):
        return lambda d: d["jobs"][job]["steps"]

    cases = {
        "a job without runs-on": broken(lambda d: d["jobs"]["suites"].pop("runs-on")),
        "a step with both uses and run": broken(lambda d: d["jobs"]["stress"]["steps"][1].update(run="true")),
        "an unpinned action": broken(lambda d: d["jobs"]["stress"]["steps"][1].update(uses="actions/checkout")),
        "a script that does not exist": broken(
            lambda d: d["jobs"]["suites"]["strategy"]["matrix"]["include"][0].update(command="ci/nope.sh")),
        "no tsan suite": broken(lambda d: d["jobs"]["suites"]["strategy"]["matrix"]["include"].pop(1)),
        "an unknown matrix key": broken(lambda d: d["jobs"]["stress"].update(name="${{ matrix.shard }}")),
        "an unclosed expression": broken(lambda d: d["jobs"]["stress"].update(name="${{ matrix.seed")),
        "stress not sharded": broken(lambda d: d["jobs"]["stress"]["strategy"]["matrix"].update(seed=[1])),
        "shards that do not match I/N": broken(
            lambda d: d["jobs"]["explore"]["strategy"]["matrix"].update(shard=[0, 1, 2])),
        "no artifact upload": broken(lambda d: d["jobs"]["explore"]["steps"].pop()),
        "no build cache": broken(lambda d: d["jobs"]["explore"]["steps"].pop(2)),
    }
    failures = []
    if check(doc, root):
        failures.append("the real workflow does not pass")
    for what, d in cases.items():
        if not check(d, root):
            failures.append(f"not rejected: {what}")
    return failures


def main(argv):
    args = [a for a in argv[1:] if a != "--self-test"]
    if len(args) != 1:
        print(__doc__.strip().splitlines()[-4], file=sys.stderr)
        return 2
    root = args[0]
    path = os.path.join(root, ".github", "workflows", "ci.yml")
    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        print(f"{path}: {e}")
        return 1
    problems = self_test(doc, root) if "--self-test" in argv else check(doc, root)
    for p in problems:
        print(f"{path}: {p}")
    if not problems:
        print(f"{path}: ok" + (" (every broken copy rejected)" if "--self-test" in argv else ""))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
