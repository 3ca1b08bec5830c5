"""Question banks as spreadsheets (XLSX and CSV): the columns (columns.py), the reader, the
writer and the downloadable template.

One question per row under a header row of Chinese column names:

    题型 | 题干 | 选项A … 选项H | 答案 | 解析 | 难度 | 分类 | 知识点 | 分值 | 来源

Answers are written as quizzes.bank.answers reads them (the template's 说明 sheet says the same
to editors): option letters (``ACD``); 对 / 错; for fill-in the blanks separated by ``；`` (or a
line break) and the alternatives of one blank by ``|`` (``3|三；5|五`` is two blanks); for short
answers the key points, one per line or separated by ``；``.

Both readers turn the file into rows of text and share one row parser, so an XLSX and a CSV with
the same content give the same questions and the same messages. Nothing here touches the database.
"""
