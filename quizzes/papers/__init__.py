"""Exam papers: blueprints, drawing, sitting (autosave, the clock), grading, the disclosure gate,
marking, monthly exam scheduling and the team-exam pages."""
