"""The question bank: questions and their categories, answers, seed loading, the bank's admin."""
