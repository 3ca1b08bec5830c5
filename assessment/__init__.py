"""Monthly assessment (月度考核): schemes, records, the month workflow, audit, HR exports."""
