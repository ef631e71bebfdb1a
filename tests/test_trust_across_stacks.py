"""Per-cluster stacks as a protocol: keys stay in the stack that made them, a trust rotation goes
through every stack, a lagging stack holds the anchor's stack back, and a link never disappears
because of the other stack. All on the engine model, in the order the README documents
(examples/three-clusters: east owns the anchor, west and north are its members).
"""
from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from cryptography import x509

from harness.engine import Engine
from harness.program import ROOT, Run, config_file, stack_file_config
from scenarios import CHART, LINK, SECRET

DIR = ROOT / "examples" / "three-clusters"
STACKS = ("east", "west", "north")
MEMBERS = ("west", "north")
FIRST_TIME = ("west", "north", "east", "west", "north", "east", "west")
"""The README's first-time order for the three per-cluster stacks."""


def fq(stack: str) -> str:
    return f"organization/linkerd-multicluster/{stack}"


class Mesh:
    """The three stacks on one backend, with each stack's config and its last run."""

    def __init__(self) -> None:
        self.engine = Engine()
        self.engine.init(*STACKS)
        self.config = {s: config_file(DIR / f"Pulumi.{s}.yaml") for s in STACKS}
        self.last: dict[str, Run] = {}

    def up(self, *stacks: str) -> None:
        for s in stacks:
            self.last[s] = self.engine.up(s, self.config[s])

    def deploy(self) -> "Mesh":
        self.up(*FIRST_TIME)
        return self

    def previews_are_empty(self) -> bool:
        return all(self.engine.preview(s, self.config[s]).plan() == {} for s in STACKS)

    def copy(self) -> "Mesh":
        """Another backend with the same stacks and clusters, and the same configs: changing either
        copy leaves the other as it was. The last runs are shared (tests only read them)."""
        other = Mesh.__new__(Mesh)
        other.engine = copy.deepcopy(self.engine)
        other.config = copy.deepcopy(self.config)
        other.last = dict(self.last)
        return other


_DEPLOYED: list[Mesh] = []


def first_time_deployment() -> Mesh:
    """The three stacks after the first-time order, deployed once per test process: the runs are
    deterministic (same keys, certificates and objects), and deploying anew takes 14 program runs.
    Read it only (tests/test_topology.py does); to change it, take a `copy()`."""
    if not _DEPLOYED:
        _DEPLOYED.append(Mesh().deploy())
    return _DEPLOYED[0]


@pytest.fixture
def mesh() -> Mesh:
    """The three stacks after the first-time order, each test on its own copy."""
    return first_time_deployment().copy()


def pems(text: str) -> list[x509.Certificate]:
    return [x509.load_pem_x509_certificate(m.encode()) for m in
            re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", text, re.S)]


def installed(run: Run, cluster: str) -> tuple[list[x509.Certificate], x509.Certificate]:
    """(trust bundle, issuer certificate) the cluster's control plane got in that run."""
    values = run.monitor.one(CHART, f"{cluster}-linkerd-control-plane").inputs["values"]
    [issuer] = pems(run.monitor.one(SECRET, f"{cluster}-identity-issuer").inputs["stringData"]["tls.crt"])
    return pems(values["identityTrustAnchorsPEM"]), issuer


def signed_by_one_of(cert: x509.Certificate, anchors: list[x509.Certificate]) -> bool:
    for anchor in anchors:
        try:
            cert.verify_directly_issued_by(anchor)
            return True
        except Exception:  # noqa: BLE001 - InvalidSignature, ValueError: not this anchor
            continue
    return False


def assert_mtls_between_every_pair(m: Mesh) -> None:
    """What cross-cluster mTLS needs at this moment, from what each cluster has installed: every
    cluster's issuer is signed by an anchor that every other cluster trusts."""
    state = {c: installed(m.last[c], c) for c in STACKS}
    for a in STACKS:
        for b in STACKS:
            assert signed_by_one_of(state[b][1], state[a][0]), f"{a} would reject {b}'s proxies"


def links(run: Run) -> set[tuple[str, str]]:
    return {(r.provider_name, r.inputs["metadata"]["name"]) for r in run.monitor.by_type(LINK)}


def full_mesh(m: Mesh) -> bool:
    return all(links(m.last[c]) == {(c, o) for o in STACKS if o != c} for c in STACKS)


def private_keys(value: Any) -> set[str]:
    return set(re.findall(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[^-]*-----END [A-Z ]*PRIVATE KEY-----",
                          json.dumps(value).replace("\\n", "\n")))


def state_text(m: Mesh, stack: str) -> str:
    return json.dumps([[r.inputs, r.outputs] for r in m.engine.state(stack).values()]).replace("\\n", "\n")


# -- finding 1: keys stay home ------------------------------------------------------------------

def test_no_private_key_in_any_output_and_no_stack_holds_another_stacks_key(mesh: Mesh):
    for s in STACKS:
        assert private_keys(mesh.engine.stacks[fq(s)].outputs) == set(), s
    own_keys = {s: {k for r in mesh.engine.state(s).values() if r.typ == "tls:index/privateKey:PrivateKey"
                    for k in private_keys(r.outputs)} for s in STACKS}
    anchor_key = {k for r in mesh.engine.state("east").values() if r.name == "trust-anchor-key"
                  for k in private_keys(r.outputs)}
    assert anchor_key and anchor_key <= own_keys["east"]  # its PEM and PKCS#8 forms
    for s in STACKS:
        assert own_keys[s], s
        text = state_text(mesh, s)
        for other in STACKS:
            if other != s:
                leaked = {k for k in own_keys[other] if k in text}
                assert leaked == set(), f"{s}'s state holds a private key of {other}"
    # and each member's issuer is still signed by the anchor: the exchange went through
    assert_mtls_between_every_pair(mesh)
    assert full_mesh(mesh)


def test_every_key_and_certificate_of_the_trust_stays_under_the_stacks_mesh_component(mesh: Mesh):
    """A resource's URN names its parents: one moved out of the Mesh component is, to an existing
    stack, another resource, and the next `pulumi up` would replace it (a new anchor key: every
    cluster loses its trust; a new issuer key: a member waits for a signature again)."""
    def ancestors(run: Run, urn: str) -> list[str]:
        by_urn, types = run.monitor.by_urn(), []
        while urn in by_urn:
            urn = by_urn[urn].parent
            types.append(by_urn[urn].typ if urn in by_urn else urn)
        return types

    for s in STACKS:
        made = [r for r in mesh.last[s].monitor.registrations if r.typ.startswith("tls:")]
        assert made, s
        outside = [r.name for r in made if "linkerd-multicluster:index:Mesh" not in ancestors(mesh.last[s], r.urn)]
        assert outside == [], s
    east = {r.name for r in mesh.last["east"].monitor.registrations if r.typ.startswith("tls:")}
    assert {"trust-anchor-key", "east-issuer-key", "west-member-issuer-cert", "north-member-issuer-cert"} <= east
    assert "west-issuer-key" in {r.name for r in mesh.last["west"].monitor.registrations}


def test_a_member_publishes_a_request_for_its_own_key_and_installs_the_certificate_east_signed(mesh: Mesh):
    west = mesh.last["west"]
    request = x509.load_pem_x509_csr(west.outputs["issuerRequests"]["west"]["csrPem"].encode())
    _, issuer = installed(west, "west")
    assert issuer.public_key() == request.public_key()
    assert mesh.last["east"].outputs["signedIssuers"]["west"]["stack"] == fq("west")
    assert "west" not in mesh.last["east"].outputs["issuerCertsPem"]
    # docs/outputs.md: only the anchor's stack signs, only a member requests
    assert "signedIssuers" not in west.outputs and "issuerRequests" not in mesh.last["east"].outputs



def test_a_member_refuses_a_certificate_signed_for_another_key_and_keeps_its_issuer(mesh: Mesh):
    """A certificate east signed, valid and chaining to the bundle, but for north's key, published
    as west's (a re-keyed member, or a mix-up in the anchor's stack): the control plane would get a
    certificate and a key that do not belong together, and no proxy of west would get an identity."""
    import copy

    running = mesh.engine.world.get("west", "Secret", "linkerd/linkerd-identity-issuer")["stringData"]
    outputs = mesh.engine.stacks[fq("east")].outputs = copy.deepcopy(mesh.engine.stacks[fq("east")].outputs)
    outputs["signedIssuers"]["west"]["certPem"] = outputs["signedIssuers"]["north"]["certPem"]
    with pytest.raises(Exception, match=r"the issuer certificate organization/linkerd-multicluster/east signed for "
                                        r"'west' is not for this stack's issuer key"):
        mesh.up("west")
    assert mesh.engine.world.get("west", "Secret", "linkerd/linkerd-identity-issuer")["stringData"] == running


def test_a_member_refuses_an_unreadable_certificate_naming_the_stack_that_signed_it(mesh: Mesh):
    running = mesh.engine.world.get("west", "Secret", "linkerd/linkerd-identity-issuer")["stringData"]
    outputs = mesh.engine.stacks[fq("east")].outputs = copy.deepcopy(mesh.engine.stacks[fq("east")].outputs)
    outputs["signedIssuers"]["west"]["certPem"] = "not a certificate"
    with pytest.raises(Exception, match=r"certificate organization/linkerd-multicluster/east signed for 'west': "
                                        r"no PEM certificate found"):
        mesh.up("west")
    assert mesh.engine.world.get("west", "Secret", "linkerd/linkerd-identity-issuer")["stringData"] == running


def test_a_member_refuses_a_certificate_for_its_key_that_chains_to_no_anchor_of_the_bundle(mesh: Mesh):
    """East's stack publishes, for west's own key, a certificate signed by another anchor (a mix-up
    in the anchor's stack): west's proxies would get identities no other cluster trusts."""
    import certs
    from cryptography.hazmat.primitives import hashes

    stranger, stranger_key = certs.make_anchor(cn="root.stranger")
    request = x509.load_pem_x509_csr(mesh.last["west"].outputs["issuerRequests"]["west"]["csrPem"].encode())
    foreign = (x509.CertificateBuilder().subject_name(request.subject).issuer_name(stranger.subject)
               .public_key(request.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(stranger.not_valid_before_utc).not_valid_after(stranger.not_valid_after_utc)
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .sign(stranger_key, hashes.SHA256()))
    running = mesh.engine.world.get("west", "Secret", "linkerd/linkerd-identity-issuer")["stringData"]
    outputs = mesh.engine.stacks[fq("east")].outputs = copy.deepcopy(mesh.engine.stacks[fq("east")].outputs)
    outputs["signedIssuers"]["west"]["certPem"] = certs.cert_pem(foreign)
    with pytest.raises(Exception, match=r"cluster 'west' issuer: issuer CN=identity.linkerd.cluster.local, expires .* "
                                        r"is not signed by any anchor of the trust bundle"):
        mesh.up("west")
    assert mesh.engine.world.get("west", "Secret", "linkerd/linkerd-identity-issuer")["stringData"] == running


def test_a_member_with_a_supplied_issuer_of_another_anchor_installs_nothing(mesh: Mesh):
    """A member's own issuer (clusters.<name>.issuer) is only known to chain once the anchor's
    bundle is read from the other stack: the program must check it then, not only parse it.
    (north: the repository has no Pulumi.north.yaml whose plaintext leaves the program would check.)"""
    import certs
    from harness.program import Secure

    stranger, stranger_key = certs.make_anchor()
    issuer, key = certs.make_issuer(stranger, stranger_key)
    running = mesh.engine.world.get("north", "Secret", "linkerd/linkerd-identity-issuer")["stringData"]
    mesh.config["north"]["clusters"]["north"]["issuer"] = {"certPem": certs.cert_pem(issuer),
                                                           "keyPem": Secure(certs.key_pem(key))}
    with pytest.raises(Exception, match=r"cluster 'north' issuer: issuer CN=identity.linkerd.cluster.local, expires .* "
                                        r"is not signed by any anchor of the trust bundle"):
        mesh.up("north")
    assert mesh.engine.world.get("north", "Secret", "linkerd/linkerd-identity-issuer")["stringData"] == running

# -- findings 3 and 4: rotation across stacks, lagging stacks ----------------------------------

ROTATION = ({"rotation": "add-anchor"}, {"rotation": "reissue-issuers"}, {"anchorGeneration": 1})


def set_step(m: Mesh, step: dict[str, Any]) -> None:
    trust = {k: v for k, v in m.config["east"]["trust"].items() if k not in ("rotation", "anchorGeneration")}
    m.config["east"]["trust"] = {**trust, **step}


def test_three_step_anchor_rotation_goes_through_every_stack_without_breaking_mtls(mesh: Mesh):
    [old_anchor] = installed(mesh.last["east"], "east")[0]
    for step in ROTATION:
        set_step(mesh, step)
        for s in ("east", *MEMBERS):  # the anchor's stack first, then its members
            mesh.up(s)
            assert_mtls_between_every_pair(mesh)
            assert full_mesh(mesh), (step, s)
    bundles = {c: installed(mesh.last[c], c)[0] for c in STACKS}
    [new_anchor] = bundles["east"]
    assert new_anchor != old_anchor and all(b == [new_anchor] for b in bundles.values())
    for c in STACKS:
        assert signed_by_one_of(installed(mesh.last[c], c)[1], [new_anchor]), c
    assert mesh.previews_are_empty()


def test_the_anchors_stack_holds_back_each_step_while_a_member_lags_and_names_it(mesh: Mesh):
    set_step(mesh, ROTATION[0])
    mesh.up("east", "west")  # north has not run the first step
    set_step(mesh, ROTATION[1])
    before = mesh.engine.state("east")
    with pytest.raises(Exception, match=r"trust rotation held back \(reissue-issuers\): "
                                        r"organization/linkerd-multicluster/north does not trust the new anchor yet"
                                        r"[^;]*\. Run `pulumi up` on those stacks") as refused:
        mesh.up("east")
    assert "west" not in str(refused.value)
    assert mesh.engine.state("east") == before  # refused in the preview: nothing changed
    mesh.up("north", "east", *MEMBERS)  # north catches up; the step goes through
    set_step(mesh, ROTATION[2])
    mesh.up("east", *MEMBERS)  # every member runs on an issuer of the new anchor: it may finish
    assert_mtls_between_every_pair(mesh)
    assert full_mesh(mesh)


def test_finishing_is_refused_while_a_member_runs_on_an_issuer_of_the_old_anchor(mesh: Mesh):
    set_step(mesh, ROTATION[0])
    mesh.up("east", *MEMBERS)
    set_step(mesh, ROTATION[1])
    mesh.up("east", "north")  # west still runs its issuer signed by the old anchor
    set_step(mesh, ROTATION[2])
    with pytest.raises(Exception, match=r"held back \(no rotation step\): organization/linkerd-multicluster/west "
                                        r"still runs cluster 'west' on an issuer of the anchor this step removes"):
        mesh.up("east")
    mesh.up("west", "east", *MEMBERS)
    assert_mtls_between_every_pair(mesh)


# -- finding 5: a link never disappears because of the other stack ------------------------------

def two_stacks() -> tuple[Engine, dict[str, dict]]:
    engine = Engine()
    engine.init("east", "west")
    config = {"east": stack_file_config("east"), "west": stack_file_config("west")}
    for s in ("west", "east", "west"):
        engine.up(s, config[s])
    return engine, config


def test_a_withdrawn_grant_on_an_existing_link_is_an_error_naming_the_target_stack():
    engine, config = two_stacks()
    config["east"]["links"] = []  # east stops granting west
    engine.up("east", config["east"])
    before = engine.state("west")
    with pytest.raises(Exception, match=r"link west -> east exists, but stack organization/linkerd-multicluster/east "
                                        r"no longer grants 'west' access to 'east'"):
        engine.up("west", config["west"])
    assert engine.state("west") == before
    assert any(r.typ == LINK for r in before.values())


def test_removing_a_link_in_the_source_stack_removes_link_controller_and_secrets_then_the_grant():
    engine, config = two_stacks()
    config["west"]["links"] = []
    run = engine.up("west", config["west"])
    deleted = run.plan()["delete"]
    assert {"west-to-east-link", "west-to-east-credentials", "west-to-east-linkerd-credentials"} <= set(deleted)
    assert run.monitor.one(CHART, "west-linkerd-multicluster").inputs["values"]["controllers"] == []
    assert run.outputs["links"] == []
    config["east"]["links"] = []
    engine.up("east", config["east"])
    assert all(engine.preview(s, config[s]).plan() == {} for s in ("east", "west"))


def test_three_stack_link_removal_converges(mesh: Mesh):
    """west stops linking to north (source first), then north stops granting west."""
    mesh.config["west"]["links"] = [l for l in mesh.config["west"]["links"] if l.get("target") != "north"]
    mesh.up("west")
    assert ("west", "north") not in links(mesh.last["west"])
    mesh.config["north"]["links"] = [l for l in mesh.config["north"]["links"] if l.get("source") != "west"]
    mesh.up("north", "east")
    assert links(mesh.last["north"]) == {("north", "east"), ("north", "west")}
    assert mesh.previews_are_empty()


# -- what a member tells its user while the anchor's stack has not signed ---------------------------

RUN_EAST = (f"run `pulumi up` on {fq('east')} (with this stack in its trust.members), then run this stack again")


def test_a_member_says_what_it_waits_for_and_installs_nothing_until_east_signed():
    config = {"east": stack_file_config("east"), "west": stack_file_config("west")}
    runs = []
    for first in ("west", "east"):  # east never ran, or ran before west published its request
        engine = Engine()
        engine.init("east", "west")
        if first == "east":
            engine.up("east", config["east"])
        runs.append(engine.up("west", config["west"]))
    no_bundle, unsigned = runs
    assert (f"stack {fq('east')} publishes no trust bundle yet: this stack installs nothing until it has. Its issuer "
            f"requests are published (output issuerRequests); {RUN_EAST}") in no_bundle.warnings
    assert (f"cluster 'west' waits for {fq('east')} to sign its issuer (generation 0); this stack installs nothing "
            f"on it until then: {RUN_EAST}") in unsigned.warnings
    for run in runs:
        assert run.monitor.by_type(CHART) == [] and run.monitor.by_type(SECRET) == []
        assert set(run.outputs["issuerRequests"]) == {"west"}
    engine.up("east", config["east"])
    assert installed(engine.up("west", config["west"]), "west")


def test_a_member_east_no_longer_signs_for_keeps_its_issuer_and_says_to_check_trust_members(mesh: Mesh):
    _, before = installed(mesh.last["west"], "west")
    east_trust = mesh.config["east"]["trust"]
    east_trust["members"] = [m for m in east_trust["members"] if m["stack"] != fq("west")]
    mesh.up("east", "west")
    assert installed(mesh.last["west"], "west")[1] == before
    assert (f"stack {fq('east')} publishes no signed issuer for 'west'; this stack keeps the issuer it installed "
            "(generation 0). Check trust.members there") in mesh.last["west"].warnings


def test_a_member_that_drops_its_supplied_issuer_keeps_the_one_its_cluster_runs_until_east_signs():
    """A supplied issuer has no generation to keep (no key of this stack's): once it leaves the
    config, the cluster keeps running it, read from the cluster, until east signs the new request.
    (north: the repository has no Pulumi.north.yaml whose plaintext leaves the program would check.)"""
    import certs
    from harness.program import Secure

    anchor, anchor_key = certs.make_anchor()
    issuer, key = certs.make_issuer(anchor, anchor_key)
    engine = Engine()
    engine.init("east", "north")
    engine.stacks[fq("east")].outputs = {"trustAnchorsPem": certs.cert_pem(anchor)}  # east signed nothing yet
    config = {"trust": {"fromStack": fq("east")}, "clusters": {"north": {"context": "north", "issuer": {
        "certPem": certs.cert_pem(issuer), "keyPem": Secure(certs.key_pem(key))}}}}
    supplied = engine.up("north", config)
    assert supplied.outputs["issuerCertsPem"]["north"]["generation"] is None  # not a key of this stack's
    assert "issuerRequests" not in supplied.outputs
    assert installed(supplied, "north")[1] == issuer
    running = engine.world.get("north", "Secret", "linkerd/linkerd-identity-issuer")["stringData"]
    del config["clusters"]["north"]["issuer"]
    run = engine.up("north", config)
    assert run.monitor.one(SECRET, "north-identity-issuer").inputs["stringData"] == running
    assert (f"cluster 'north' keeps the issuer it runs until {fq('east')} signs this stack's request: "
            f"{RUN_EAST}") in run.warnings
    assert set(run.outputs["issuerRequests"]) == {"north"}


# -- a member re-keys its issuer ------------------------------------------------------------------

def test_a_member_keeps_its_installed_key_until_the_anchors_stack_signed_the_new_one(mesh: Mesh):
    _, before = installed(mesh.last["west"], "west")
    mesh.config["west"]["clusters"]["west"]["issuerGeneration"] = 1
    mesh.up("west")
    run = mesh.last["west"]
    assert run.outputs["issuerRequests"]["west"]["generation"] == 1
    assert installed(run, "west")[1] == before  # still the old key's certificate
    assert "west-issuer-key" not in run.plan().get("delete", [])
    assert any("issuer generation 1 waits for organization/linkerd-multicluster/east" in w for w in run.warnings)
    mesh.up("east", "west")
    _, after = installed(mesh.last["west"], "west")
    request = x509.load_pem_x509_csr(mesh.last["west"].outputs["issuerRequests"]["west"]["csrPem"].encode())
    assert after != before and after.public_key() == request.public_key()
    assert "west-issuer-key" in mesh.last["west"].plan()["delete"]
    assert_mtls_between_every_pair(mesh)
    assert mesh.previews_are_empty()


def test_a_member_waiting_for_its_new_key_takes_easts_re_signed_certificate_of_the_installed_one(mesh: Mesh):
    """A rotation's reissue-issuers re-signs the key west installed; west has re-keyed meanwhile
    (issuerGeneration 1, not signed yet): it keeps the installed key, with the new anchor's
    certificate, or the rotation could not finish once the old anchor leaves the bundles."""
    [old_anchor], before = installed(mesh.last["west"], "west")
    set_step(mesh, ROTATION[0])
    mesh.up("east", *MEMBERS)
    set_step(mesh, ROTATION[1])
    mesh.up("east")  # re-signs west's generation 0
    mesh.config["west"]["clusters"]["west"]["issuerGeneration"] = 1
    mesh.up("west")
    bundle, after = installed(mesh.last["west"], "west")
    new_anchors = [a for a in bundle if a != old_anchor]
    assert after.public_key() == before.public_key()
    assert signed_by_one_of(after, new_anchors) and not signed_by_one_of(after, [old_anchor])
    assert any("issuer generation 1 waits for organization/linkerd-multicluster/east" in w
               for w in mesh.last["west"].warnings)


# -- what the anchor's stack signs ----------------------------------------------------------------

def csr_pem(key) -> str:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from cryptography.x509.oid import NameOID

    request = (x509.CertificateSigningRequestBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "identity.linkerd.cluster.local")]))
               # Ed25519 signs without a separate hash
               .sign(key, None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()))
    return request.public_bytes(serialization.Encoding.PEM).decode()


@pytest.mark.parametrize("cluster, key, refusal", [
    ("west", "rsa", r"'west': Linkerd issuers need a self-signed ECDSA P-256 request"),
    # ECDSA on another curve: `linkerd check` refuses an issuer that is not P-256 (pkg/issuercerts)
    ("west", "p384", r"'west': Linkerd issuers need a self-signed ECDSA P-256 request"),
    ("west", "ed25519", r"'west': Linkerd issuers need a self-signed ECDSA P-256 request"),
    ("east", "p256", r"'east': trust.members gives this stack the clusters west only"),
    ("West!", "p256", r"'West!': trust.members gives this stack the clusters west only"),
])
def test_the_anchors_stack_signs_only_usable_requests_for_the_members_own_clusters(cluster, key, refusal):
    """What it does not sign is a warning naming the member: one member cannot stop its `up`."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    private = {"rsa": lambda: rsa.generate_private_key(65537, 2048), "p384": lambda: ec.generate_private_key(ec.SECP384R1()),
               "ed25519": ed25519.Ed25519PrivateKey.generate,
               "p256": lambda: ec.generate_private_key(ec.SECP256R1())}[key]()
    engine = Engine()
    engine.init("east", "west")
    engine.stacks[fq("west")].outputs = {"issuerRequests": {cluster: {"generation": 0, "csrPem": csr_pem(private)}}}
    run = engine.up("east", stack_file_config("east"))
    assert run.outputs["signedIssuers"] == {}
    assert any(re.search(rf"stack {fq('west')}: issuerRequests not signed for {refusal}", w) for w in run.warnings), \
        run.warnings
    assert installed(run, "east")  # east's own cluster is installed all the same


# -- stacks deployed before this protocol ---------------------------------------------------------

def test_a_member_deployed_before_the_protocol_keeps_its_running_issuer_until_east_signs():
    """Old member stacks reported no issuers and the anchor's stack signed nothing for them: the
    member's first run keeps the issuer its cluster runs (read from the cluster), publishes its
    request, and takes the certificate east signs on the run after east's."""
    engine, config = two_stacks()
    for stack, gone in (("west", ("issuerCertsPem", "issuerRequests")), ("east", ("signedIssuers",))):
        outputs = engine.stacks[fq(stack)].outputs
        for name in gone:
            outputs.pop(name)
    running = engine.world.get("west", "Secret", "linkerd/linkerd-identity-issuer")["stringData"]
    run = engine.up("west", config["west"])
    assert not run.plan().get("delete") and not run.plan().get("replace")
    assert run.monitor.one(SECRET, "west-identity-issuer").inputs["stringData"] == running  # its key too
    assert (f"cluster 'west' keeps the issuer it runs until {fq('east')} signs this stack's request: "
            f"{RUN_EAST}") in run.warnings
    assert run.outputs["issuerCertsPem"]["west"]["generation"] is None
    engine.up("east", config["east"])
    run = engine.up("west", config["west"])
    [issuer] = pems(run.monitor.one(SECRET, "west-identity-issuer").inputs["stringData"]["tls.crt"])
    request = x509.load_pem_x509_csr(run.outputs["issuerRequests"]["west"]["csrPem"].encode())
    assert issuer.public_key() == request.public_key()
    assert all(engine.preview(s, config[s]).plan() == {} for s in ("east", "west"))
