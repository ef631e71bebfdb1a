"""Where a Helm chart comes from: a chart repository (`https://`), an OCI registry (`oci://`), or a
local directory of packaged charts for clusters with no internet (air-gapped installs).

A local directory holds archives as `helm package` names them, `<chart>-<version>.tgz` (the
layout of a `helm repo index` folder, e.g. one filled with `helm pull <chart> --version <v>`).
The chart is then given to pulumi-kubernetes as that archive's path; `version` is still passed
(Helm ignores it for a local path: helm.sh/helm `pkg/action/install.go` `LocateChart` returns an
existing path as it is), so that every chart keeps an exact pin for review and the policy pack.
A relative directory is taken from the project directory, where Pulumi runs the program, and the
chart is passed as an absolute path, which the provider's process resolves the same way.
Whether a repository is a URL or such a directory, and that the directory holds the archives, is
the config's to check (`components/config/schema.py`, while `repository` is validated).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pulumi_kubernetes as k8s

from .config.schema import archive_name, is_local


@dataclass(frozen=True)
class ChartSource:
    """The `chart`, `version` and `repository_opts` inputs of a `helm.v4.Chart`."""

    chart: str
    version: str
    repository_opts: Optional[k8s.helm.v4.RepositoryOptsArgs]


def chart_source(repository: str, chart: str, version: str) -> ChartSource:
    """How `helm.v4.Chart` finds `chart` at `version` in `repository` (URL or local directory).

    An `oci://` registry takes the chart as a full reference (`oci://host/path/<chart>`), as
    `helm install oci://…` does; an `https://` repository takes the chart's name and the repo URL.
    """
    if is_local(repository):
        archive = Path(repository).absolute() / archive_name(chart, version)
        return ChartSource(chart=str(archive), version=version, repository_opts=None)
    if repository.startswith("oci://"):
        return ChartSource(chart=f"{repository.rstrip('/')}/{chart}", version=version, repository_opts=None)
    return ChartSource(chart=chart, version=version, repository_opts=k8s.helm.v4.RepositoryOptsArgs(repo=repository))
