using 'main.bicep'

param environmentName = 'dev'
param partnership = 'hounslow-mip'
// The council's test site; the lists are created by `npx cluster-desk provision`.
param sharePointSite = 'contoso.sharepoint.com:/sites/cluster-desk-dev'
param mailClientState = readEnvironmentVariable('CLUSTER_DESK_MAIL_CLIENT_STATE')
