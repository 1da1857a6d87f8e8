// Alerts for the council's IT team, on the warnings the functions log to Application Insights
// (each JSON line carries its event name, whatever severity the host gives it): poisoned email, the mail subscription missing or
// about to expire, and a partnership config in SharePoint that cannot be used. Each rule's event
// name is one the code logs (test/infra.test.ts checks them).
param location string
param insightsName string
@description('Where alerts are emailed (the IT team\'s shared address); empty: the rules fire in the portal only.')
param alertEmail string
param tags object

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: insightsName
}

resource team 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-clusterdesk-${uniqueString(insights.id)}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'ClusterDesk'
    enabled: true
    emailReceivers: [{ name: 'it-team', emailAddress: alertEmail, useCommonAlertSchema: true }]
  }
}

var rules = [
  {
    name: 'poisoned-email'
    severity: 1
    description: 'An email failed every retry (the mail-intake-poison queue). npx cluster-desk health --retry-poisoned; the partnership lead is told too.'
    query: 'traces | where message has "mail-health.alert" | extend e = parse_json(message) | where toint(e.poison) > 0'
  }
  {
    name: 'mail-subscription'
    severity: 1
    description: 'The mail subscription is missing or expires within a day: new forms are found only by the 15-minute sweep. Check the mailSubscription function\'s log and npx cluster-desk verify-tenant.'
    query: 'traces | where message has "mail-health.alert" | extend e = parse_json(message) | where toint(e.subscriptionHoursLeft) < 24'
  }
  {
    name: 'config-unusable'
    severity: 2
    description: 'The partnership config in the SharePoint site\'s Configuration library was edited and is not valid: the last good one runs on. npx cluster-desk validate-config on a copy says what is wrong.'
    query: 'traces | where message has "config.unusable"'
  }
]

resource alerts 'Microsoft.Insights/scheduledQueryRules@2021-08-01' = [
  for r in rules: {
    name: 'alert-clusterdesk-${r.name}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: 'Cluster Desk: ${r.name}'
      description: r.description
      severity: r.severity
      enabled: true
      scopes: [insights.id]
      evaluationFrequency: 'PT1H'
      windowSize: 'PT1H'
      criteria: {
        allOf: [
          {
            query: r.query
            timeAggregation: 'Count'
            operator: 'GreaterThan'
            threshold: 0
            failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
          }
        ]
      }
      autoMitigate: true
      actions: { actionGroups: empty(alertEmail) ? [] : [team.id] }
    }
  }
]
