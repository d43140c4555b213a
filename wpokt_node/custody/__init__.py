"""Signing back ends behind one interface (multisig now; Copper later)."""
