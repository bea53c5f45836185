// The runbook grammar is read from RunbookYAML's positioned nodes; everything that reads runbook
// syntax reads those nodes too, so they come with this module.

@_exported import RunbookYAML
