// The bot's identity: a user-assigned managed identity, attached to the Function App so the bot code
// can authenticate to the Bot Framework without a password.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output clientId string = identity.properties.clientId
