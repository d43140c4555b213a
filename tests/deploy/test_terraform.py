"""Static checks of terraform/: the per-node module and the 12-region mainnet root."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.hcl import TerraformDir

pytestmark = pytest.mark.deploy

TERRAFORM = Path(__file__).resolve().parents[2] / "terraform"
MODULE = TERRAFORM / "modules" / "wpokt-node"
MAINNET = TERRAFORM / "envs" / "mainnet"
MONITORING = TERRAFORM / "envs" / "monitoring"
KEY_PURPOSES = {"eth_signer", "pokt_signer", "eth_gas"}
REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")


@pytest.fixture(scope="module")
def module() -> TerraformDir:
    return TerraformDir(MODULE)


@pytest.fixture(scope="module")
def mainnet() -> TerraformDir:
    return TerraformDir(MAINNET)


def _all_dirs() -> list[TerraformDir]:
    return [TerraformDir(p.parent) for p in sorted({f.parent for f in TERRAFORM.rglob("*.tf")})]


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    return list(document.get("statement", []))


def test_mainnet_places_12_nodes_in_12_distinct_regions(mainnet: TerraformDir) -> None:
    providers = {
        body["alias"]: body["region"]
        for item in mainnet.blocks["provider"]
        for name, body in item.items()
        if name == "aws"
    }
    modules = mainnet.named("module")
    assert len(modules) == 12
    regions: dict[str, str] = {}
    for name, body in modules.items():
        assert body["source"] == "../../modules/wpokt-node", name
        match = re.fullmatch(r"\$\{aws\.([a-z0-9_]+)\}", body["providers"]["aws"])
        assert match is not None, f"{name}: no provider alias"
        region = providers[match.group(1)]
        assert REGION.match(region), region
        assert body["region"] == region, f"{name}: var.region differs from its provider's region"
        regions[body["node_id"]] = region
    assert sorted(regions) == [f"node-{i:02d}" for i in range(1, 13)]
    assert len(set(regions.values())) == 12


def test_every_aws_provider_in_mainnet_is_an_aliased_region(mainnet: TerraformDir) -> None:
    aws = [body for item in mainnet.blocks["provider"] for n, body in item.items() if n == "aws"]
    assert len(aws) == 12
    assert all("alias" in body and "region" in body for body in aws)


def test_no_ingress_rule_anywhere() -> None:
    for tf in _all_dirs():
        for (rtype, name), body in tf.resources().items():
            assert rtype not in {"aws_vpc_security_group_ingress_rule", "aws_network_acl_rule"}, (
                f"{tf.directory}: {rtype}.{name}"
            )
            if rtype == "aws_security_group_rule":
                assert body["type"] != "ingress", f"{rtype}.{name}"
            if rtype in {"aws_security_group", "aws_default_security_group"}:
                assert "ingress" not in body, f"{tf.directory}: {rtype}.{name} has ingress"
        assert not re.search(r"^\s*ingress\s*\{", tf.text(), re.MULTILINE), tf.directory


def test_security_group_egress_is_https_and_mongodb_only(module: TerraformDir) -> None:
    group = module.resources()[("aws_security_group", "node")]
    ports = sorted(str(rule["from_port"]) for rule in group["egress"])
    assert ports == ["${var.mongodb_port}", "443"]
    for rule in group["egress"]:
        assert rule["from_port"] == rule["to_port"]
        assert rule["protocol"] == "tcp"
    default = module.resources()[("aws_default_security_group", "this")]
    assert "egress" not in default
    assert "ingress" not in default


def test_private_subnet_egress_through_nat_and_no_public_ip(module: TerraformDir) -> None:
    resources = module.resources()
    for name in ("public", "private"):
        assert resources[("aws_subnet", name)]["map_public_ip_on_launch"] is False
    private_routes = resources[("aws_route_table", "private")]["route"]
    assert [r.get("nat_gateway_id") for r in private_routes] == ["${aws_nat_gateway.this.id}"]
    assert all("gateway_id" not in r for r in private_routes)
    instance = resources[("aws_instance", "node")]
    assert instance["associate_public_ip_address"] is False
    assert instance["subnet_id"] == "${aws_subnet.private.id}"


def test_instance_requires_imdsv2_and_encrypts_every_volume(module: TerraformDir) -> None:
    resources = module.resources()
    instance = resources[("aws_instance", "node")]
    (metadata,) = instance["metadata_options"]
    assert metadata["http_tokens"] == "required"
    (root,) = instance["root_block_device"]
    assert root["encrypted"] is True
    assert root["kms_key_id"] == "${aws_kms_key.data.arn}"
    volumes = [body for (rtype, _), body in resources.items() if rtype == "aws_ebs_volume"]
    assert volumes
    assert all(v["encrypted"] is True and "kms_key_id" in v for v in volumes)
    assert "ebs_block_device" not in instance


def test_signing_keys_are_secp256k1_and_protected(module: TerraformDir) -> None:
    key = module.resources()[("aws_kms_key", "signing")]
    assert key["customer_master_key_spec"] == "ECC_SECG_P256K1"
    assert key["key_usage"] == "SIGN_VERIFY"
    assert key["for_each"] == "${local.key_purposes}"
    assert key["lifecycle"][0]["prevent_destroy"] is True
    locals_text = (MODULE / "main.tf").read_text(encoding="utf-8")
    assert 'toset(["eth_signer", "pokt_signer", "eth_gas"])' in locals_text


def test_node_role_signs_only_with_its_own_keys(module: TerraformDir) -> None:
    data = module.resources("data")
    node_policy = data[("aws_iam_policy_document", "node")]
    statements = _statements(node_policy)
    by_sid = {s["sid"]: s for s in statements}
    sign = by_sid["SignWithOwnKeysOnly"]
    assert sorted(sign["actions"]) == ["kms:GetPublicKey", "kms:Sign"]
    assert sign["resources"] == (
        "${[for purpose in sort(tolist(local.key_purposes)) : aws_kms_key.signing[purpose].arn]}"
    )
    secrets = by_sid["ReadOwnSecretsOnly"]
    assert secrets["actions"] == ["secretsmanager:GetSecretValue"]
    assert secrets["resources"] == [
        "${aws_secretsmanager_secret.config.arn}",
        "${local.mongodb_uri_secret_arn}",
    ]
    for statement in statements:
        assert "*" not in statement["resources"], statement["sid"]
        assert not any(a.endswith("*") for a in statement["actions"]), statement["sid"]
        signing = {"kms:Sign", "kms:GetPublicKey"} & set(statement["actions"])
        assert not signing or statement is sign, statement["sid"]
    # the only node-role grant with a "*" resource is ECR's registry login token
    login = _statements(data[("aws_iam_policy_document", "ecr_login")])
    assert [s["actions"] for s in login] == [["ecr:GetAuthorizationToken"]]
    # every policy attached to the node role is one of these two documents (+ SSM core)
    attached = {
        body["policy"]
        for (rtype, _), body in module.resources().items()
        if rtype == "aws_iam_role_policy" and body["role"] == "${aws_iam_role.node.id}"
    }
    assert attached == {
        "${data.aws_iam_policy_document.node.json}",
        "${data.aws_iam_policy_document.ecr_login.json}",
    }


def test_key_policy_lets_the_node_sign_only(module: TerraformDir) -> None:
    policy = module.resources("data")[("aws_iam_policy_document", "signing_key")]
    (node,) = [s for s in _statements(policy) if s["sid"] == "NodeSignsWithItsOwnKey"]
    assert node["principals"][0]["identifiers"] == ["${aws_iam_role.node.arn}"]
    assert sorted(node["actions"]) == ["kms:GetPublicKey", "kms:Sign"]


def test_logs_have_retention_and_encryption(module: TerraformDir) -> None:
    groups = [b for (t, _), b in module.resources().items() if t == "aws_cloudwatch_log_group"]
    assert len(groups) == 2
    for group in groups:
        assert group["retention_in_days"] == "${var.log_retention_days}"
        assert group["kms_key_id"] == "${aws_kms_key.data.arn}"
    secrets = [b for (t, _), b in module.resources().items() if t == "aws_secretsmanager_secret"]
    assert secrets
    assert all(s["kms_key_id"] == "${aws_kms_key.data.arn}" for s in secrets)


def test_provider_is_pinned() -> None:
    for directory in (MODULE, MAINNET, MONITORING):
        (terraform,) = TerraformDir(directory).blocks["terraform"]
        (providers,) = terraform["required_providers"]
        assert providers["aws"]["source"] == "hashicorp/aws"
        assert re.fullmatch(r"~> 5\.\d+", providers["aws"]["version"])


def test_variables_and_outputs_are_documented() -> None:
    readme = (TERRAFORM / "README.md").read_text(encoding="utf-8")
    for directory in (MODULE, MAINNET, MONITORING):
        tf = TerraformDir(directory)
        for kind in ("variable", "output"):
            for name, body in tf.named(kind).items():
                assert body.get("description"), f"{directory.name}: {kind} {name}"
                assert f"`{name}`" in readme, f"terraform/README.md does not document {name}"


def test_checkov_skips_are_justified() -> None:
    for path in TERRAFORM.rglob("*.tf"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if "checkov:skip=" in line:
                check, _, reason = line.split("checkov:skip=", 1)[1].partition(":")
                assert re.fullmatch(r"CKV2?_AWS_\d+", check), line
                assert len(reason.strip()) > 30, f"{path.name}: unjustified skip {check}"


def test_the_journal_volume_is_required_and_snapshotted(module: TerraformDir) -> None:
    user_data = (module.directory / "templates" / "user_data.sh.tftpl").read_text(encoding="utf-8")
    fstab = next(line for line in user_data.splitlines() if "LABEL=wpokt-data /var/lib" in line)
    assert "nofail" not in fstab  # never start on the root disk with an empty journal
    assert "mountpoint -q /var/lib/wpokt ||" in user_data
    assert "RequiresMountsFor=/var/lib/wpokt" in user_data
    resources = module.resources()
    volume = resources[("aws_ebs_volume", "data")]
    policy = resources[("aws_dlm_lifecycle_policy", "journal")]
    (details,) = policy["policy_details"]
    assert details["resource_types"] == ["VOLUME"]
    assert details["target_tags"] == {"WpoktJournal": "${var.node_id}"}
    assert "WpoktJournal = var.node_id" in str(volume["tags"])
    (schedule,) = details["schedule"]
    assert schedule["create_rule"][0]["interval"] == "${var.journal_snapshot_hours}"


def test_each_mainnet_node_has_its_own_vpc_range(mainnet: TerraformDir) -> None:
    ranges = [ipaddress.ip_network(b["vpc_cidr"]) for b in mainnet.named("module").values()]
    assert len(ranges) == 12
    for i, left in enumerate(ranges):
        assert left.is_private
        assert not any(left.overlaps(right) for right in ranges[i + 1 :]), left


def test_the_image_is_pulled_with_a_login_to_its_own_registrys_region(
    module: TerraformDir,
) -> None:
    user_data = (module.directory / "templates" / "user_data.sh.tftpl").read_text(encoding="utf-8")
    login = next(line for line in user_data.splitlines() if "get-login-password" in line)
    assert '--region "${registry_region}"' in login
    template_args = module.resources()[("aws_instance", "node")]["user_data"]
    assert 'split(":", var.ecr_repository_arn)[3]' in template_args


def test_each_mainnet_node_can_run_its_own_image(mainnet: TerraformDir) -> None:
    for name, body in mainnet.named("module").items():
        node_id = body["node_id"]
        assert body["image"] == f'${{lookup(var.node_images, "{node_id}", var.image)}}', name
    assert mainnet.named("variable")["node_images"]["default"] == {}


NODE_ROOT = TERRAFORM / "envs" / "node"


def test_no_principal_but_the_node_role_can_sign_under_the_key_policy(
    module: TerraformDir,
) -> None:
    statements = _statements(module.resources("data")[("aws_iam_policy_document", "signing_key")])
    allows = [s for s in statements if s.get("effect", "Allow") == "Allow"]
    signers = [
        s for s in allows if "kms:Sign" in s.get("actions", []) or "kms:*" in s.get("actions", [])
    ]
    assert [s["sid"] for s in signers] == ["NodeSignsWithItsOwnKey"]
    assert signers[0]["principals"][0]["identifiers"] == ["${aws_iam_role.node.arn}"]
    admin = next(s for s in allows if s["sid"] == "AccountAdministersWithoutSigning")
    assert admin["not_actions"] == ["kms:Sign"]
    (deny,) = [s for s in statements if s.get("effect") == "Deny"]
    assert (deny["actions"], deny["principals"][0]["identifiers"]) == (["kms:Sign"], ["*"])
    (condition,) = deny["condition"]
    assert (condition["test"], condition["variable"]) == ("StringNotEquals", "aws:PrincipalArn")
    assert condition["values"] == ["${aws_iam_role.node.arn}"]


def test_a_change_of_a_signing_keys_policy_raises_an_alarm(module: TerraformDir) -> None:
    resources = module.resources()
    rule = resources[("aws_cloudwatch_event_rule", "signing_key_changes")]
    pattern = rule["event_pattern"]
    for event in ("PutKeyPolicy", "CreateGrant", "ScheduleKeyDeletion", "DisableKey"):
        assert event in pattern
    assert "aws_kms_key.signing[purpose].arn" in pattern
    target = resources[("aws_cloudwatch_event_target", "signing_key_changes")]
    assert target["arn"] == "${aws_sns_topic.alarms.arn}"
    assert "alarms_topic_arn" in module.named("output")


def test_the_operator_root_deploys_one_node_into_its_own_account_only() -> None:
    root = TerraformDir(NODE_ROOT)
    (provider,) = [body for item in root.blocks["provider"] for body in item.values()]
    assert provider["allowed_account_ids"] == ["${var.aws_account_id}"]
    modules = root.named("module")
    assert list(modules) == ["node"]
    assert modules["node"]["source"] == "../../modules/wpokt-node"
    (terraform,) = root.blocks["terraform"]
    assert "s3" in terraform["backend"][0]
    readme = (TERRAFORM / "README.md").read_text(encoding="utf-8")
    for name in root.named("variable"):
        assert f"`{name}`" in readme, name


def test_the_managed_prometheus_evaluates_the_shipped_alert_rules() -> None:
    monitoring = TerraformDir(MONITORING)
    variables = monitoring.named("variable")
    rules_file = (MONITORING / variables["alert_rules_file"]["default"]).resolve()
    assert rules_file == (TERRAFORM.parent / "deploy" / "monitoring" / "alerts.yml").resolve()
    resources = monitoring.resources()
    namespace = resources[("aws_prometheus_rule_group_namespace", "wpokt")]
    assert "var.alert_rules_file" in namespace["data"]
    workspace = resources[("aws_prometheus_workspace", "wpokt")]
    assert "aws_kms_key.monitoring" in workspace["kms_key_arn"]
    assert workspace["logging_configuration"]
    topic = resources[("aws_sns_topic", "alerts")]
    assert "aws_kms_key.monitoring" in topic["kms_master_key_id"]
    alerting = resources[("aws_prometheus_alert_manager_definition", "wpokt")]["definition"]
    assert "topic_arn: ${aws_sns_topic.alerts.arn}" in alerting
    (provider,) = monitoring.blocks["provider"]
    assert provider["aws"]["allowed_account_ids"] == ["${[var.aws_account_id]}"] or (
        "var.aws_account_id" in str(provider["aws"]["allowed_account_ids"])
    )
    # the monitoring account holds no node key and no node's secret
    kinds = {kind for kind, _ in resources}
    assert "aws_secretsmanager_secret" not in kinds
    assert not any(body.get("key_usage") == "SIGN_VERIFY" for (kind, _), body in
                   resources.items() if kind == "aws_kms_key")  # fmt: skip


def test_the_node_pushes_metrics_over_https_only(module: TerraformDir) -> None:
    variable = module.named("variable")["metrics_pushgateway_url"]
    condition = str(variable["validation"][0]["condition"])
    assert "^https://" in condition
    main = (MODULE / "main.tf").read_text(encoding="utf-8")
    assert "pushgateway_url = var.metrics_pushgateway_url" in main
    ports = {
        (rule["from_port"], rule["to_port"])
        for rule in module.resources()[("aws_security_group", "node")]["egress"]
    }
    assert (443, 443) in ports
