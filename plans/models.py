# Contingency plans and duty rosters: see issue 4.
