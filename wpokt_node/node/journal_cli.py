"""``wpokt-node journal export|import``: move a node's signing journal (its slashing
protection, ``payout.journal``) to a file and back, in the spirit of EIP-3076's interchange.

``export`` may run while the node runs. ``import`` runs with the node stopped, into an empty
journal of the same node id, and refuses a file that lacks an event the database shows this
node signed (an older backup would let the node sign a second payload for it).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from wpokt_node.config import load_config
from wpokt_node.db.client import connect_settings
from wpokt_node.errors import SigningError
from wpokt_node.keys.private_file import write_private_file
from wpokt_node.keys.sources import load_public_key
from wpokt_node.payout.journal import SigningJournal
from wpokt_node.payout.journal_evidence import missing_from, signed_by, signer_identities


def register(commands: Any) -> None:
    journal = commands.add_parser("journal", help="export or import this node's signing journal")
    actions = journal.add_subparsers(dest="journal_command", metavar="ACTION")
    out = actions.add_parser("export", help="write the journal to a file (mode 0600)")
    out.add_argument("--config", required=True, type=Path)
    out.add_argument("--out", required=True, type=Path)
    out.set_defaults(handler=_export)
    into = actions.add_parser("import", help="load an exported journal into an empty one")
    into.add_argument("--config", required=True, type=Path)
    into.add_argument("file", type=Path)
    into.set_defaults(handler=_import)


def _export(args: argparse.Namespace) -> int:
    settings = load_config(args.config)
    with SigningJournal(settings.journal_path, node_id=settings.node_id) as journal:
        document = journal.export_document()
    data = json.dumps(document, indent=1, sort_keys=True).encode()
    write_private_file(args.out, data)
    print(f"exported {len(document['payloads'])} payloads of {settings.node_id} to {args.out}")
    return 0


def _import(args: argparse.Namespace) -> int:
    settings = load_config(args.config)
    try:
        document = json.loads(args.file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SigningError(f"{args.file} is not readable JSON: {exc}") from None
    payloads = document.get("payloads") if isinstance(document, dict) else None
    events = {p.get("source_event") for p in payloads or [] if isinstance(p, dict)}
    node_id = settings.node_id
    eth = load_public_key(settings.keys.eth_signer, purpose="eth_signer", node_id=node_id)
    pokt = load_public_key(settings.keys.pokt_signer, purpose="pokt_signer", node_id=node_id)
    identities = signer_identities(eth, pokt)
    db = connect_settings(settings)
    try:
        missing = missing_from({e for e in events if isinstance(e, str)}, signed_by(db, identities))
    finally:
        db.client.close()
    if missing:
        raise SigningError(
            f"{args.file} is older than what the database shows this node signed; it lacks "
            f"{', '.join(missing)}: import a newer export (or the volume's latest snapshot)"
        )
    with SigningJournal(settings.journal_path, node_id=settings.node_id) as journal:
        loaded = journal.import_document(document)
    print(f"imported {loaded} payloads into {settings.journal_path}")
    return 0
