"""The BETA agent's domain: sign-in and PIN policy, assisted transactions, the fee and
commission ledger, cash float and the day's reconciliation. Built on ``kiosk_app``."""
