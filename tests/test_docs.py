"""The documentation is tested like code.

- The API reference (docs/api.md) names every public name of every public
  module, and every public member of the main classes; the names are
  enumerated from the modules, so a new function without a line in the
  reference fails here.
- Every image referenced from README.md or docs/ exists and is a real image;
  every relative link resolves (files, folders and #anchors).
- The code on the pages runs: README.md's example, the getting-started page,
  the sessions of the autograd and the convolution-and-attention pages (doctests:
  the outputs shown are checked), every
  `minigrad ...` command line shown (it must parse), and the worked example of
  docs/unit-testing-gradients.md, whose planted mistakes must make its test
  suite fail exactly as the page says.
- Every optimizer has its page with the trajectory figure, the pages show the
  runs that docs/make_figures.py defines, and make_figures.py runs (on tiny
  budgets).
- README.md's test command is the one CI runs.
"""
import doctest
import importlib
import importlib.util
import os
import pkgutil
import re
import shlex
import subprocess
import sys
import types
from pathlib import Path

import pytest

import minigrad as mg

pytest_plugins = ["pytester"]  # runs the worked example's test suite in-process

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
API = DOCS / "api.md"
EXAMPLES = ROOT / "tests" / "docs_examples"

# The public namespaces and the heading of their section in docs/api.md.
NAMESPACES = ["minigrad", "minigrad.autograd", "minigrad.cuda", "minigrad.testing",
              "minigrad.data", "minigrad.utils.data", "minigrad.utils.hooks", "minigrad.nn",
              "minigrad.nn.functional", "minigrad.nn.init", "minigrad.nn.utils", "minigrad.optim", "minigrad.optim.lr_scheduler",
              "minigrad.optim.schedules", "minigrad.optim.swa_utils", "minigrad.optim.lr_finder",
              "minigrad.viz", "minigrad.linalg", "minigrad.models", "minigrad.distributed",
              "minigrad.distributed.optim", "minigrad.nn.parallel", "minigrad.amp",
              "minigrad.compile"]
# Submodules of minigrad that are implementation, not API.
INTERNAL_MODULES = {"backend", "conversion", "creation", "dtypes", "index_keys", "ops",
                    "printing", "random", "serialization", "tensor", "cli"}
# Classes whose public members must each appear in their own subsection.
CLASSES = {"mg.Tensor": mg.Tensor, "mg.nn.Module": mg.nn.Module,
           "mg.optim.Optimizer": mg.optim.Optimizer,
           "mg.optim.lr_scheduler.LRScheduler": "minigrad.optim.lr_scheduler.LRScheduler"}


# ----------------------------------------------------------------- helpers
def short_name(module_name):
    return "mg" + module_name[len("minigrad"):]


def public_names(module):
    """``__all__`` if the module has one; otherwise its non-underscore
    attributes, leaving out modules and, for a plain module (not a package),
    whatever it merely imported from elsewhere."""
    if hasattr(module, "__all__"):
        return sorted(module.__all__)
    is_package = hasattr(module, "__path__")
    names = []
    for name, value in vars(module).items():
        if name.startswith("_") or isinstance(value, types.ModuleType):
            continue
        if not is_package and getattr(value, "__module__", module.__name__) != module.__name__:
            continue
        names.append(name)
    return sorted(names)


def markdown_sections(path):
    """{heading text: body} for every heading; a body runs to the next heading
    of the same or a higher level."""
    lines = path.read_text(encoding="utf-8").splitlines()
    headings = [(i, len(m.group(1)), m.group(2).strip()) for i, line in enumerate(lines)
                if (m := re.match(r"(#+) (.*)", line))]
    sections = {}
    for k, (start, level, title) in enumerate(headings):
        end = next((i for i, lvl, _ in headings[k + 1:] if lvl <= level), len(lines))
        sections[title] = "\n".join(lines[start + 1:end])
    return sections


def code_words(text):
    """Every identifier that appears inside an inline code span of ``text``."""
    words = set()
    for span in re.findall(r"`([^`]+)`", text):
        words.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", span))
    return words


def python_blocks(path):
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def markdown_files():
    return [ROOT / "README.md"] + sorted(DOCS.rglob("*.md"))


def github_anchor(title):
    """The #fragment GitHub gives a heading: lower case, punctuation dropped,
    spaces to hyphens."""
    title = re.sub(r"[^\w\- ]", "", title.strip().lower())
    return title.replace(" ", "-")


def strip_code(text):
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return re.sub(r"`[^`\n]*`", "", text)


def links(path):
    """(target, is_image) for every Markdown link and image, and <img src>."""
    text = strip_code(path.read_text(encoding="utf-8"))
    found = [(m.group(2), m.group(1) == "!") for m in re.finditer(r"(!?)\[[^\]]*\]\(([^)\s]+)", text)]
    found += [(src, True) for src in re.findall(r"<img [^>]*src=\"([^\"]+)\"", text)]
    return found


def run_python(code):
    """Run page code as a script would (in the current directory)."""
    exec(compile(code, "<docs>", "exec"), {"__name__": "__docs__"})


# ------------------------------------------------------------ API reference
def test_every_module_of_minigrad_has_a_section_or_is_internal():
    documented = {name.split(".")[1] for name in NAMESPACES if name.count(".") >= 1}
    for module in pkgutil.iter_modules(mg.__path__):
        if not module.name.startswith("_"):
            assert module.name in documented or module.name in INTERNAL_MODULES, (
                f"minigrad.{module.name} is a new module: give it a section in docs/api.md and "
                "add it to NAMESPACES in tests/test_docs.py, or list it as internal")


@pytest.mark.parametrize("module_name", NAMESPACES)
def test_api_reference_lists_every_public_name(module_name):
    module = importlib.import_module(module_name)
    sections = markdown_sections(API)
    heading = f"`{short_name(module_name)}`"
    assert heading in sections, f"docs/api.md has no section '## {heading}'"
    words = code_words(sections[heading])
    missing = [name for name in public_names(module) if name not in words]
    assert not missing, f"docs/api.md, section {heading}, does not mention {missing}"


@pytest.mark.parametrize("heading", list(CLASSES))
def test_api_reference_lists_every_public_member(heading):
    cls = CLASSES[heading]
    if isinstance(cls, str):
        module_name, _, class_name = cls.rpartition(".")
        cls = getattr(importlib.import_module(module_name), class_name)
    sections = markdown_sections(API)
    assert f"`{heading}`" in sections, f"docs/api.md has no section '### `{heading}`'"
    words = code_words(sections[f"`{heading}`"])
    members = [name for name in dir(cls) if not name.startswith("_")]
    missing = [name for name in members if name not in words]
    assert not missing, f"docs/api.md, section {heading}, does not mention {missing}"


def test_public_names_are_enumerated_from_the_modules():
    # The enumeration itself: re-exports count in packages, imports don't in modules.
    assert "Linear" in public_names(mg.nn) and "SGD" in public_names(mg.optim)
    assert "tensor" in public_names(mg) and "nn" not in public_names(mg)
    init = importlib.import_module("minigrad.nn.init")
    assert "xavier_uniform_" in public_names(init) and "no_grad" not in public_names(init)


# ----------------------------------------------------------- links, images
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("page", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_links_and_images_resolve(page):
    problems = []
    for target, is_image in links(page):
        if re.match(r"[a-z]+:", target):  # http:, https:, mailto:
            continue
        path_part, _, anchor = target.partition("#")
        destination = (page.parent / path_part).resolve() if path_part else page
        if not destination.exists():
            problems.append(f"{target}: {destination.relative_to(ROOT)} does not exist")
            continue
        if is_image:
            data = destination.read_bytes()
            if destination.suffix == ".png" and not (data.startswith(PNG_SIGNATURE) and len(data) > 1000):
                problems.append(f"{target}: not a PNG image")
            elif destination.suffix == ".gif" and not data.startswith(b"GIF8"):
                problems.append(f"{target}: not a GIF image")
            elif destination.suffix == ".svg" and b"<svg" not in data[:2000]:
                problems.append(f"{target}: not an SVG image")
        if anchor and destination.suffix == ".md":
            anchors = {github_anchor(title) for title in markdown_sections(destination)}
            if anchor not in anchors:
                problems.append(f"{target}: no heading with anchor #{anchor}")
    assert not problems, f"{page.relative_to(ROOT)}: " + "; ".join(problems)


def test_link_checker_sees_links_and_images(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("![a](figures/x.png) [b](other.md#top) `[not](a-link.md)`\n"
                    "```\n[nor](this.md)\n```\n<img src=\"y.png\" width=\"50%\">\n")
    assert links(page) == [("figures/x.png", True), ("other.md#top", False), ("y.png", True)]
    assert github_anchor("### `mg.Tensor`".lstrip("# ")) == "mgtensor"
    assert github_anchor("Planted mistake 1: a dropped term") == "planted-mistake-1-a-dropped-term"


# --------------------------------------------------------- code that runs
def test_readme_test_command_is_the_one_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install -e ".[dev]" && pytest' in readme
    assert 'pip install -e ".[dev]"' in ci and re.search(r"^python -m pytest\s*$", ci, re.M)
    assert "pip install -e ." in readme and "minigrad train" in readme


def test_readme_example_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = python_blocks(ROOT / "README.md")
    assert blocks, "README.md has no Python example"
    for block in blocks:
        run_python(block)


def test_getting_started_code_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the page saves a checkpoint
    blocks = python_blocks(DOCS / "getting-started.md")
    assert len(blocks) >= 4
    run_python("\n".join(blocks))


@pytest.mark.parametrize("page, examples", [("autograd.md", 30),
                                            ("convolution-and-attention.md", 15),
                                            ("distributed.md", 3),
                                            ("mixed-precision.md", 8),
                                            ("compile.md", 5)])
def test_pages_sessions_print_what_the_page_shows(page, examples):
    # The ```pycon blocks are doctests: every output on the page is checked.
    text = (DOCS / page).read_text(encoding="utf-8")
    sessions = "\n".join(re.findall(r"```pycon\n(.*?)```", text, re.S))
    test = doctest.DocTestParser().get_doctest(sessions, {}, page, str(DOCS / page), 0)
    assert len(test.examples) > examples
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    output = []
    runner.run(test, out=output.append)
    assert runner.failures == 0, "".join(output)


def test_autograd_page_quotes_mul_from_the_source():
    quoted = python_blocks(DOCS / "autograd.md")[0]
    source = (ROOT / "minigrad" / "ops" / "elementwise.py").read_text(encoding="utf-8")
    assert quoted.startswith("class Mul(Function):") and quoted in source


def documented_command_lines():
    """Every ``minigrad ...`` line of the bash blocks of README.md and docs/, as argv lists."""
    lines = []
    for page in markdown_files():
        for block in re.findall(r"```bash\n(.*?)```", page.read_text(encoding="utf-8"), re.S):
            for line in block.splitlines():
                line = line.split("#", 1)[0].strip()
                if line.startswith("minigrad"):
                    lines.append((page.name, shlex.split(line)[1:]))
    return lines


def test_documented_command_lines_parse():
    from minigrad.cli import _with_default_command, build_parser
    lines = documented_command_lines()
    assert len(lines) >= 5
    parser = build_parser()
    for page, argv in lines:
        try:
            parser.parse_args(_with_default_command(argv))
        except SystemExit:
            pytest.fail(f"{page}: `minigrad {' '.join(argv)}` is not a valid command line")


# --------------------------------------- unit-testing-gradients worked example
GUIDE = DOCS / "unit-testing-gradients.md"


def guide_blocks(section):
    """The code blocks (any language) of one section of the guide."""
    return re.findall(r"```\w*\n(.*?)```", markdown_sections(GUIDE)[section], re.S)


def test_guide_shows_the_example_files_verbatim():
    blocks = python_blocks(GUIDE)
    for name in ("swish.py", "test_swish.py"):
        assert (EXAMPLES / name).read_text(encoding="utf-8") in blocks, (
            f"docs/unit-testing-gradients.md must show tests/docs_examples/{name} as it is")


def run_example_suite(pytester, monkeypatch, directory):
    """Run the example's pytest suite from ``directory`` (in this interpreter,
    with its own sys.modules); (number passed, names of the failed tests, output)."""
    for module in ("swish", "test_swish"):  # this session may have imported the originals
        monkeypatch.delitem(sys.modules, module, raising=False)
    for name in ("swish.py", "test_swish.py"):
        pytester.path.joinpath(name).write_text((directory / name).read_text(encoding="utf-8"),
                                                encoding="utf-8")
    result = pytester.runpytest_inprocess("-q", "-rf", "-p", "no:cacheprovider", "-p", "no:hypothesispytest")
    output = "\n".join(result.outlines)
    failed = set(re.findall(r"^FAILED \S*::(\w+)", output, re.M))
    return result.parseoutcomes().get("passed", 0), failed, output


def planted(tmp_path, name, old, new):
    """A copy of the example in tmp_path/name with ``old`` replaced by ``new`` in swish.py."""
    directory = tmp_path / name
    directory.mkdir()
    source = (EXAMPLES / "swish.py").read_text(encoding="utf-8")
    assert source.count(old) == 1, f"the guide's code to replace is not in swish.py:\n{old}"
    (directory / "swish.py").write_text(source.replace(old, new), encoding="utf-8")
    (directory / "test_swish.py").write_text((EXAMPLES / "test_swish.py").read_text(encoding="utf-8"),
                                             encoding="utf-8")
    return directory


def message_pattern(shown):
    """The error line the guide shows, as a regex: any element index, any numbers."""
    pattern = re.escape(shown.strip())
    pattern = re.sub(r"\\\(\d+(?:,\\ \d+)*\\\)", r"\\([\\d, ]+\\)", pattern)
    return pattern.replace("…", r"-?[\d.e+-]+")


def test_guide_example_suite_passes(pytester, monkeypatch):
    passed, failed, output = run_example_suite(pytester, monkeypatch, EXAMPLES)
    assert (passed, failed) == (6, set()), output  # "All six tests pass."


def test_guide_planted_mistake_1_fails_gradcheck(pytester, monkeypatch, tmp_path):
    old, new, shown = guide_blocks("Planted mistake 1: a dropped term")[:3]
    passed, failed, output = run_example_suite(pytester, monkeypatch,
                                               planted(tmp_path, "mistake1", old, new))
    assert failed == {"test_swish_gradient", "test_swish_gradient_in_the_tails"}, output
    assert re.search(message_pattern(shown), output), output


def test_guide_planted_mistake_2_fails_gradgradcheck(pytester, monkeypatch, tmp_path):
    methods, shown = guide_blocks("Planted mistake 2: a gradient that cannot be differentiated")[:2]
    source = (EXAMPLES / "swish.py").read_text(encoding="utf-8")
    start = source.index("    @staticmethod\n    def forward")
    end = source.index("\n\n\ndef log_cosh")
    passed, failed, output = run_example_suite(
        pytester, monkeypatch, planted(tmp_path, "mistake2", source[start:end] + "\n", methods))
    assert failed == {"test_swish_second_derivative"}, output
    assert re.search(message_pattern(shown), output), output


# ------------------------------------------------- optimizer pages and figures
def make_figures_module():
    if "make_figures" not in sys.modules:
        spec = importlib.util.spec_from_file_location("make_figures", DOCS / "make_figures.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["make_figures"] = module  # before running it: its dataclasses look it up
        spec.loader.exec_module(module)
    return sys.modules["make_figures"]


def generated_block(page):
    text = page.read_text(encoding="utf-8")
    module = make_figures_module()
    assert module.BEGIN in text and module.END in text, f"{page.name}: no generated block"
    return text.split(module.BEGIN, 1)[1].split(module.END, 1)[0]


OPTIMIZERS = sorted(name for name, value in vars(mg.optim).items()
                    if isinstance(value, type) and issubclass(value, mg.optim.Optimizer)
                    and value is not mg.optim.Optimizer)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_has_a_page_with_its_trajectory_figure(name):
    page = DOCS / "optimizers" / f"{name.lower()}.md"
    assert page.exists(), f"{name} has no page docs/optimizers/{name.lower()}.md"
    text = page.read_text(encoding="utf-8")
    for part in ("**Update rule", "**Intuition.**", "**When to use it.**", "| hyperparameter |"):
        assert part in text, f"{page.name} lacks {part!r}"
    assert f"(optimizers/{name.lower()}.md)" in (DOCS / "optimizers.md").read_text(encoding="utf-8")
    block = generated_block(page)
    assert f"![" in block and f"(../figures/optimizers/{name.lower()}.png)" in block, (
        f"{page.name}: run python docs/make_figures.py")


def test_optimizer_pages_show_the_runs_make_figures_would_make():
    # A changed run in make_figures.VARIANTS without regenerating the pages fails here.
    module = make_figures_module()
    assert set(module.VARIANTS) == {name.lower() for name in OPTIMIZERS}
    for name, variants in module.VARIANTS.items():
        block = generated_block(DOCS / "optimizers" / f"{name}.md")
        for variant in variants:
            assert f"| {variant.label} | {variant.describe()} |" in block, (
                f"docs/optimizers/{name}.md is stale: run python docs/make_figures.py")


@pytest.mark.slow
def test_make_figures_runs_end_to_end(tmp_path):
    # Tiny budgets, written to tmp_path: checks the command, not the numbers.
    result = subprocess.run([sys.executable, str(DOCS / "make_figures.py"), "--quick",
                             "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    for figure in ("figures/optimizers/sgd.png", "figures/optimizers/muon.png",
                   "figures/readme-landscape.png"):
        data = (tmp_path / figure).read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000, figure
    sgd_page = (tmp_path / "optimizers" / "sgd.md").read_text(encoding="utf-8")
    assert "| SGD, momentum 0.9 |" in sgd_page
    table = (tmp_path / "choosing-an-optimizer.md").read_text(encoding="utf-8")
    assert re.search(r"^\| SGD \| 0\.1 \|", table, re.M) and re.search(r"^\| Adam \|", table, re.M)


def test_trajectory_numbers_on_a_page_are_current():
    # One page recomputed (RMSprop and the gradient-descent reference): a change in the
    # optimizers or in mg.viz that the committed pages do not show fails here.
    module = make_figures_module()
    variants = module.VARIANTS["rmsprop"] + [module.GRADIENT_DESCENT]
    runs = module._variant_runs(variants, None)
    table = module.trajectory_table(variants, runs)
    assert table in generated_block(DOCS / "optimizers" / "rmsprop.md"), (
        "docs/optimizers/*.md are stale: run python docs/make_figures.py --only trajectories readme")


def test_comparison_numbers_are_current():
    # SGD on the first task recomputed: a change in training (minigrad train's tasks,
    # the layers, the optimizers) that the committed table does not show fails here.
    module = make_figures_module()
    task = module.TASKS[0]
    result = module.train_once("SGD", task, module.task_epochs(task))
    first_cells = "|".join(module.comparison_row("SGD", [result] * len(module.TASKS)).split("|")[:6])
    table = generated_block(DOCS / "choosing-an-optimizer.md")
    assert re.search("^" + re.escape(first_cells) + r"\|", table, re.M), (
        f"docs/choosing-an-optimizer.md is stale (now: {first_cells}): "
        "run python docs/make_figures.py --only comparison")


@pytest.mark.slow
def test_distributed_timeline_figure_is_drawn_from_a_two_rank_run(tmp_path):
    environ = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, str(DOCS / "make_distributed_figure.py"),
                             "--out", str(tmp_path)], capture_output=True, text=True,
                            timeout=300, env=environ)
    assert result.returncode == 0, result.stdout + result.stderr
    data = (tmp_path / "ddp_timeline.png").read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000
