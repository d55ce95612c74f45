"""The report screens: composing, issuing and printing what leaves the office."""
