// Key Vault with RBAC: the one secret (the change-notification clientState). The Function App reads
// it through a Key Vault reference with its managed identity.
param location string
param name string
@secure()
param mailClientState string
param tags object

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

resource clientState 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'mail-client-state'
  properties: { value: mailClientState, contentType: 'Graph change-notification clientState' }
}

output name string = vault.name
output mailClientStateSecretName string = clientState.name
