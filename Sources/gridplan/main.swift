import GridplanCommands

Gridplan.mainEntry()
