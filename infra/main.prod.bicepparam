using 'main.bicep'

param environmentName = 'prod'
param partnership = 'hounslow-mip'
param sharePointSite = 'contoso.sharepoint.com:/sites/cluster-desk'
param mailClientState = readEnvironmentVariable('CLUSTER_DESK_MAIL_CLIENT_STATE')
param tags = { costCentre: 'SEND' }
