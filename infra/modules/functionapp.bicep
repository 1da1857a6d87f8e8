// The Function App on Flex Consumption (Linux, Node 22), its system-assigned identity, the roles
// that identity needs, and the app settings. Every setting the code reads is listed in appSettings
// below; test/infra.test.ts checks the list against the code both ways.
param location string
param planName string
param appName string
param storageAccountName string
param deploymentContainerUrl string
param insightsName string
param vaultName string
@description('The clientState secret\'s name in the vault: the app reads its current version (a versionless reference), so a rotated secret is picked up.')
param mailClientStateSecretName string
param partnership string
@description('The secure mailbox; empty: the config\'s intake.mailbox.')
param mailbox string
param sharePointSite string
@description('Resource id of the bot\'s user-assigned identity, attached so the bot can authenticate.')
param botIdentityId string
param botAppId string
param tags object

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: insightsName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: vaultName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  // azd finds the app to deploy `functions` (azure.yaml) to by this tag.
  tags: union(tags, { 'azd-service-name': 'functions' })
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned, UserAssigned'
    userAssignedIdentities: { '${botIdentityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: { minTlsVersion: '1.2', ftpsState: 'Disabled' }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: { type: 'SystemAssignedIdentity' }
        }
      }
      // One instance holds about 184 MB steady (the functions, the bot once loaded, four intake
      // workers), and the form readers at most two processes of 160 MB (about 225 MB measured with
      // four of the worst forms at once, npm run bench); 512 MB is Flex Consumption's smallest size
      // above that.
      scaleAndConcurrency: { maximumInstanceCount: 40, instanceMemoryMB: 512 }
      runtime: { name: 'node', version: '22' }
    }
  }
}

// No basic (user name and password) publishing: deployment is by Entra ID only (Azure's
// "Disable basic authentication in App Service deployments").
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'ftp'
  properties: { allow: false }
}
resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'scm'
  properties: { allow: false }
}

// Timers run in UTC on Flex Consumption; the code computes Europe/London itself.
resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'appsettings'
  properties: {
    // app-settings:begin
    AzureWebJobsStorage__accountName: storage.name
    APPLICATIONINSIGHTS_CONNECTION_STRING: insights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'
    PARTNERSHIP: partnership
    MAILBOX: mailbox
    SHAREPOINT_SITE: sharePointSite
    MAIL_NOTIFICATION_URL: 'https://${app.properties.defaultHostName}/api/notifications/mail'
    MAIL_LIFECYCLE_URL: 'https://${app.properties.defaultHostName}/api/notifications/lifecycle'
    MAIL_CLIENT_STATE: '@Microsoft.KeyVault(VaultName=${vaultName};SecretName=${mailClientStateSecretName})'
    GRAPH_BASE_URL: 'https://graph.microsoft.com'
    BOT_APP_ID: botAppId
    BOT_APP_TYPE: 'UserAssignedMSI'
    BOT_TENANT_ID: tenant().tenantId
    // app-settings:end
  }
  dependsOn: [storageRoles, vaultRole]
}

var roles = {
  blobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  queueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  tableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource storageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for r in [roles.blobDataOwner, roles.queueDataContributor, roles.tableDataContributor]: {
  name: guid(storage.id, app.id, r)
  scope: storage
  properties: {
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', r)
  }
}]

resource vaultRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, app.id, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
  }
}

resource insightsRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(insights.id, app.id, roles.monitoringMetricsPublisher)
  scope: insights
  properties: {
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}

output defaultHostName string = app.properties.defaultHostName
output principalId string = app.identity.principalId
