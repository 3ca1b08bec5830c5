"""The exam engine: the question bank, papers and exams, practice, and question-file interchange."""
