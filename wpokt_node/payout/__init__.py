"""The payout state machine: one machine moves every mint, burn and refund."""
