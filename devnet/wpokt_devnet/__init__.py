"""The wPOKT devnet: local chains (anvil, Pocket simulator), the embedded MongoDB wire server,
contract deployment, the cluster launcher and the compose generator.

A separate distribution (``wpokt-devnet``) from the node: it adds ``wpokt-node devnet ...``
through the node's ``wpokt_node.commands`` entry-point group (see ``commands``).
"""
