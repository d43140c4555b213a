"""A Copper custody simulator for the devnet and the tests: the subset of Copper's platform API
the ``custody/copper`` back end uses (create, get, list, co-sign, cancel withdraw orders; HMAC
authentication), one "Copper Unlimited Online" (CUO) co-signer server per node, and a broadcast
thread that pays out fully signed orders on the local Pocket simulator and anvil.

What Copper publishes and what is assumed are listed in docs/copper.md; every modelled
behaviour names its source there. Start it with ``CopperSimulator(config).start()`` (in
process), ``CopperSimProcess(config_path, log_dir).start()`` (child process) or
``python -m wpokt_devnet.copper_sim --config FILE``.
"""
