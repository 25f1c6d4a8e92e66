"""Text builders shared by every mode: table cells, labels of domain values, and what errors say."""
