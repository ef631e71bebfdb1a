"""Where the charts come from: a Helm repository, an OCI registry, or a local directory of packaged
charts (air-gapped clusters). The local form is what the real tier uses with ../shared/charts."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest

from components.config import loader as config_module
from components.config.schema import ConfigError
from harness.engine import Engine
from harness.program import ROOT, config_file, run_program
from scenarios import CHART

MESH = config_file(ROOT / "examples" / "Pulumi.mesh.yaml")
LINKERD_CHARTS = ("linkerd-crds", "linkerd-control-plane", "linkerd-multicluster")


def charts_dir(tmp_path: Path, version: str = "2026.8.3", names=LINKERD_CHARTS) -> Path:
    """A directory laid out as `helm package` / `helm pull` leave it (content is not read here)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    for name in names:
        (tmp_path / f"{name}-{version}.tgz").write_bytes(b"\x1f\x8b")
    return tmp_path


def with_repository(repository: str, **linkerd) -> dict:
    cfg = copy.deepcopy(MESH)
    cfg["linkerd"] = {**cfg.get("linkerd", {}), "repository": repository, **linkerd}
    return cfg


class TestLocalDirectory:
    def test_each_chart_is_its_archive_by_absolute_path_with_the_version_still_pinned(self, tmp_path):
        directory = charts_dir(tmp_path)
        run = run_program(with_repository(str(directory)), stack="mesh")
        charts = {c.inputs["chart"]: c.inputs for c in run.monitor.by_type(CHART)}
        expected = {str(directory / f"{n}-2026.8.3.tgz") for n in LINKERD_CHARTS}
        assert set(charts) == expected
        assert all(i["version"] == "2026.8.3" and "repositoryOpts" not in i for i in charts.values())

    def test_a_relative_directory_is_taken_from_the_project_directory(self, tmp_path, monkeypatch):
        directory = charts_dir(tmp_path / "charts")
        monkeypatch.chdir(tmp_path)  # Pulumi runs the program in the project directory
        run = run_program(with_repository("charts"), stack="mesh")
        paths = {c.inputs["chart"] for c in run.monitor.by_type(CHART)}
        assert paths == {str(directory / f"{n}-2026.8.3.tgz") for n in LINKERD_CHARTS}

    def test_a_missing_archive_is_a_config_error_naming_the_key_the_file_and_the_fix(self, tmp_path):
        directory = charts_dir(tmp_path, names=("linkerd-crds", "linkerd-control-plane"))
        with pytest.raises(ConfigError) as err:
            run_program(with_repository(str(directory)), stack="mesh")
        message = str(err.value)
        assert "linkerd-multicluster:linkerd.repository" in message and "linkerd-multicluster-2026.8.3.tgz" in message
        assert "helm pull" in message and "linkerd-crds-2026.8.3.tgz" in message  # what it holds

    def test_archives_of_another_version_do_not_count(self, tmp_path):
        directory = charts_dir(tmp_path, version="2026.8.2")
        with pytest.raises(ConfigError, match=r"no linkerd-crds-2026\.8\.3\.tgz"):
            config_module.parse(with_repository(str(directory)))
        assert config_module.parse(with_repository(str(directory), version="2026.8.2")).linkerd.version == "2026.8.2"

    def test_a_path_that_is_no_directory_is_refused(self, tmp_path):
        with pytest.raises(ConfigError, match="neither an https:// or oci:// URL nor an existing directory"):
            config_module.parse(with_repository(str(tmp_path / "nowhere")))

    def test_the_engine_model_deploys_from_it_and_a_second_preview_is_empty(self, tmp_path):
        cfg = with_repository(str(charts_dir(tmp_path)))
        engine = Engine()
        engine.init("mesh")
        engine.up("mesh", cfg)
        rendered = {urn for urn in engine.state("mesh") if "apps/v1:Deployment::" in urn}
        assert any("linkerd-destination" in urn for urn in rendered)  # the archive's chart rendered
        assert engine.preview("mesh", cfg).plan() == {}


class TestOciRegistry:
    def test_the_chart_is_a_full_oci_reference_without_repository_options(self):
        run = run_program(with_repository("oci://ghcr.io/linkerd/charts"), stack="mesh")
        charts = {c.inputs["chart"] for c in run.monitor.by_type(CHART)}
        assert charts == {f"oci://ghcr.io/linkerd/charts/{n}" for n in LINKERD_CHARTS}
        assert all("repositoryOpts" not in c.inputs for c in run.monitor.by_type(CHART))


class TestEmissaryCharts:
    EXAMPLE = ROOT / "examples" / "gateways" / "Pulumi.gateway-emissary-install.yaml"

    def emissary_config(self, repository: str) -> dict:
        cfg = config_file(self.EXAMPLE)
        install = cfg["clusters"]["east"]["gateway"]["emissary"]["install"]
        install["repository"] = repository
        return cfg

    def test_installed_emissary_takes_its_charts_from_a_local_directory(self, tmp_path):
        directory = charts_dir(tmp_path, version="4.1.0", names=("emissary-crds-chart", "emissary-ingress"))
        run = run_program(self.emissary_config(str(directory)), stack="gateway-emissary-install")
        assert run.monitor.one(CHART, "east-emissary-crds").inputs["chart"] == str(directory / "emissary-crds-chart-4.1.0.tgz")
        assert run.monitor.one(CHART, "east-emissary-chart").inputs["chart"] == str(directory / "emissary-ingress-4.1.0.tgz")

    def test_a_missing_emissary_archive_names_the_emissary_key(self, tmp_path):
        directory = charts_dir(tmp_path, version="4.1.0", names=("emissary-ingress",))
        with pytest.raises(ConfigError, match=r"clusters\.east\.gateway\.emissary\.install\.repository.*emissary-crds-chart-4\.1\.0\.tgz"):
            config_module.parse(self.emissary_config(str(directory)))
