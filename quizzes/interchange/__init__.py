"""Question-bank files: readers and writers of the formats the bank imports and exports."""
