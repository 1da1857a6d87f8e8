using 'main.bicep'

param environmentName = 'prod'
// The council's config, kept in the site's Configuration library (npx cluster-desk publish-config).
param partnership = 'site:partnership.yaml'
param mailbox = 'send.clusters@contoso.gov.uk'
param sharePointSite = 'contoso.sharepoint.com:/sites/cluster-desk'
param mailClientState = readEnvironmentVariable('CLUSTER_DESK_MAIL_CLIENT_STATE')
param alertEmail = 'it-service-desk@contoso.gov.uk'
param tags = { costCentre: 'SEND' }
