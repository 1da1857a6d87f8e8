// Cluster Desk in Azure: a Function App on Flex Consumption (Linux, Node 22) with a system-assigned
// managed identity, Storage (queues, tables, deployment container) reached by identity only,
// Key Vault for the one secret, Application Insights on Log Analytics, and an Azure Bot (single
// tenant, user-assigned managed identity) with the Teams channel. No keys or passwords in app
// settings: storage, Graph and Key Vault are all reached with managed identities.
targetScope = 'resourceGroup'

@description('Short environment name: dev, test, prod.')
param environmentName string

@description('Azure region (must offer Flex Consumption). UK South by default, so the children\'s data the forms carry stays in the UK; a council choosing another region says so in its DPIA.')
param location string = 'uksouth'

@description('The partnership config: site:<file>.yaml for a file in the SharePoint site\'s Configuration library (the council edits it there; no rebuild), or a config id built into the package (config/<id>.yaml), e.g. hounslow-mip.')
param partnership string = 'hounslow-mip'

@description('The secure mailbox\'s address, where it differs from the config\'s intake.mailbox; empty: the config\'s.')
param mailbox string = ''

@description('SharePoint site holding the lists, as hostname:/sites/path.')
param sharePointSite string

@description('Secret Graph echoes in every change notification (clientState). Generate once, e.g. openssl rand -base64 32, and keep it: changing it needs the subscription recreated.')
@secure()
param mailClientState string

@description('Name shown for the Teams bot.')
param botDisplayName string = 'Cluster Desk'

@description('Where the alerts (poisoned email, the mail subscription, an unusable config) are emailed: the IT team\'s shared address. Empty: they show in the portal only.')
param alertEmail string = ''

param tags object = {}

@description('Makes the Key Vault\'s name new. A deleted vault keeps its name for its 90-day soft-delete retention (purge protection is on): after deleting the resource group, either recover the vault (az keyvault recover --name <name>) or deploy with another suffix.')
@maxLength(3)
param vaultSuffix string = ''

var token = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var names = {
  logs: 'log-clusterdesk-${environmentName}-${token}'
  insights: 'appi-clusterdesk-${environmentName}-${token}'
  storage: take('stcd${environmentName}${token}', 24)
  vault: take('kv-cd${vaultSuffix}-${environmentName}-${token}', 24)
  plan: 'plan-clusterdesk-${environmentName}-${token}'
  app: 'func-clusterdesk-${environmentName}-${token}'
  bot: 'bot-clusterdesk-${environmentName}-${token}'
  botIdentity: 'id-clusterdesk-bot-${environmentName}-${token}'
}
var allTags = union(tags, { application: 'cluster-desk', environment: environmentName })

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: { location: location, logsName: names.logs, insightsName: names.insights, tags: allTags }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: { location: location, insightsName: monitoring.outputs.insightsName, alertEmail: alertEmail, tags: allTags }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: { location: location, name: names.storage, tags: allTags }
}

module vault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: { location: location, name: names.vault, mailClientState: mailClientState, tags: allTags }
}

module botIdentity 'modules/identity.bicep' = {
  name: 'bot-identity'
  params: { name: names.botIdentity, location: location, tags: allTags }
}

module functions 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    location: location
    planName: names.plan
    appName: names.app
    storageAccountName: storage.outputs.name
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    insightsName: monitoring.outputs.insightsName
    vaultName: vault.outputs.name
    mailClientStateSecretName: vault.outputs.mailClientStateSecretName
    partnership: partnership
    mailbox: mailbox
    sharePointSite: sharePointSite
    botIdentityId: botIdentity.outputs.id
    botAppId: botIdentity.outputs.clientId
    tags: allTags
  }
}

module bot 'modules/bot.bicep' = {
  name: 'bot'
  params: {
    botName: names.bot
    identityClientId: botIdentity.outputs.clientId
    identityResourceId: botIdentity.outputs.id
    displayName: botDisplayName
    messagingEndpoint: 'https://${functions.outputs.defaultHostName}/api/messages'
    tags: allTags
  }
}

@description('Function App host name: the Teams manifest lists it in validDomains.')
output functionAppHostName string = functions.outputs.defaultHostName
@description('Principal id of the Function App identity: Exchange RBAC for Applications and the Sites.Selected grant use it.')
output functionAppPrincipalId string = functions.outputs.principalId
output mailNotificationUrl string = 'https://${functions.outputs.defaultHostName}/api/notifications/mail'
@description('Bot app id for the Teams manifest (bots[].botId).')
output botAppId string = bot.outputs.appId
output botTenantId string = tenant().tenantId
output botMessagingEndpoint string = 'https://${functions.outputs.defaultHostName}/api/messages'
