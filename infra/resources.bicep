// Everything Alerting.Functions runs on, in one resource group, keyless: the function app (Flex Consumption,
// isolated worker) reaches Storage, Key Vault and Application Insights with a user-assigned managed identity
// holding data-plane roles. No account key or connection string with a secret is stored anywhere; receiver
// secrets live in Key Vault and reach the app as Key Vault references.

@description('Name of the azd environment (tags and unique names).')
param environmentName string

param location string = resourceGroup().location

param tags object = {}

@description('Object id of the deploying user or service principal; empty: no deployer roles.')
param principalId string = ''

@allowed(['User', 'ServicePrincipal', 'Group'])
param principalType string = 'User'

@allowed(['blob', 'package'])
param configSource string = 'blob'

param scrapeSchedule string = '*/15 * * * * *'
param evaluateSchedule string = '*/15 * * * * *'

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@secure()
param linkSigningKey string = ''
@secure()
param slackBotToken string = ''
@secure()
param slackSigningSecret string = ''
@secure()
param pagerDutyWebhookSecret string = ''
@secure()
param flyApiToken string = ''
@secure()
param queryToken string = ''
@secure()
param remoteWriteToken string = ''
@secure()
param acsConnectionString string = ''
param acsSmsFrom string = ''

// The worker runs on the .NET the project targets (Directory.Build.props); a test keeps the two equal.
var dotnetVersion = '10.0'

var token = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var functionAppName = 'func-alerting-${token}'
var deploymentContainerName = 'app-package'
var configContainerName = 'config'
// The app mirrors the config container here (Alerting__ConfigContainer__LocalPath); /tmp is the instance's
// writable local disk.
var configFolder = '/tmp/alerting-config'
var configRoot = configSource == 'blob' ? configFolder : 'rules'

// Built-in roles (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-alerting-${token}'
  location: location
  tags: tags
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'stalert${token}'
  location: location
  tags: tags
  sku: { name: 'Standard_LRS' }
  kind: 'StorageV2'
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    // Identity only: the host, the app, deployments and operators all use Entra ID.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: { publicAccess: 'None' }
}

// Rule files, alertmanager.yml, templates, escalation and on-call files (azd's predeploy hook uploads rules/).
resource configContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: configContainerName
  properties: { publicAccess: 'None' }
}

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-alerting-${token}'
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-alerting-${token}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    // Telemetry is accepted only with an Entra token (the identity's Monitoring Metrics Publisher role).
    DisableLocalAuth: true
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: 'kv-alert-${token}'
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
  }
}

// Each secret app setting: its Key Vault secret, created only when a value is given. The setting is then a
// Key Vault reference; without a value it is empty, which turns that feature off (docs/configuration.md).
var secretSettings = [
  { setting: 'Alerting__LinkSigningKey', secret: 'link-signing-key', given: !empty(linkSigningKey) }
  { setting: 'Alerting__SlackBotToken', secret: 'slack-bot-token', given: !empty(slackBotToken) }
  { setting: 'Alerting__SlackSigningSecret', secret: 'slack-signing-secret', given: !empty(slackSigningSecret) }
  { setting: 'Alerting__PagerDutyWebhookSecret', secret: 'pagerduty-webhook-secret', given: !empty(pagerDutyWebhookSecret) }
  { setting: 'Alerting__FlyApiToken', secret: 'fly-api-token', given: !empty(flyApiToken) }
  { setting: 'Alerting__QueryToken', secret: 'query-token', given: !empty(queryToken) }
  { setting: 'Alerting__AcsConnectionString', secret: 'acs-connection-string', given: !empty(acsConnectionString) }
  { setting: 'Alerting__RemoteWriteToken', secret: 'remote-write-token', given: !empty(remoteWriteToken) }
]
var secretValues = [linkSigningKey, slackBotToken, slackSigningSecret, pagerDutyWebhookSecret, flyApiToken, queryToken, acsConnectionString, remoteWriteToken]

resource secrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [for (s, i) in secretSettings: if (s.given) {
  parent: vault
  name: s.secret
  properties: { value: secretValues[i] }
}]

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-alerting-${token}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: functionAppName
  location: location
  // azd deploys the "api" service of azure.yaml to the site carrying this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: { name: 'dotnet-isolated', version: dotnetVersion }
    }
  }
}

// Deployments go through Entra ID only: no FTP or SCM basic-auth publishing credentials.
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

// Data-plane roles of the app's identity: the host and the app use blobs (Owner: the host's locks and the
// deployment package too), queues and tables; Key Vault references need Secrets User; Entra-authenticated
// telemetry needs Monitoring Metrics Publisher.
resource blobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, identity.id, roles.storageBlobDataOwner)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource queueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, identity.id, roles.storageQueueDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource tableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, identity.id, roles.storageTableDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, identity.id, roles.keyVaultSecretsUser)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: insights
  name: guid(insights.id, identity.id, roles.monitoringMetricsPublisher)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Whoever runs azd uploads the config files (predeploy hook) and may manage the secrets by hand.
resource deployerBlobContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  scope: storage
  name: guid(storage.id, principalId, roles.storageBlobDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: principalId
    principalType: principalType
  }
}

resource deployerSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  scope: vault
  name: guid(vault.id, principalId, roles.keyVaultSecretsOfficer)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
    principalId: principalId
    principalType: principalType
  }
}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'appsettings'
  // References resolve and storage answers only once the identity holds its roles and the secrets exist.
  dependsOn: [blobOwner, queueContributor, tableContributor, secretsUser, metricsPublisher, secrets]
  properties: {
    // Identity-based host storage (the Functions convention); the app's own clients read the same settings.
    AzureWebJobsStorage__accountName: storage.name
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identity.properties.clientId
    // Application Insights for the host and the worker (Program.cs), authenticated with the identity.
    APPLICATIONINSIGHTS_CONNECTION_STRING: insights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'
    ScrapeSchedule: scrapeSchedule
    EvaluateSchedule: evaluateSchedule
    Alerting__ExternalUrl: 'https://${app.properties.defaultHostName}'
    Alerting__QueueDelayFactor: '1'
    Alerting__ConfigContainer__Name: configSource == 'blob' ? configContainerName : ''
    Alerting__ConfigContainer__LocalPath: configFolder
    Alerting__ScrapeConfigPath: '${configRoot}/scrape.yml'
    Alerting__RuleFiles: '${configRoot}/*.rules.yml'
    Alerting__AlertmanagerConfigPath: '${configRoot}/alertmanager.yml'
    Alerting__DefaultTemplatesPath: '${configRoot}/templates'
    Alerting__EscalationPolicyPath: '${configRoot}/escalation.yml'
    Alerting__OnCallPath: '${configRoot}/oncall.yml'
    Alerting__LinkSigningKey: secretSettings[0].given ? '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${secretSettings[0].secret})' : ''
    Alerting__SlackBotToken: secretSettings[1].given ? '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${secretSettings[1].secret})' : ''
    Alerting__SlackSigningSecret: secretSettings[2].given ? '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${secretSettings[2].secret})' : ''
    Alerting__PagerDutyWebhookSecret: secretSettings[3].given ? '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${secretSettings[3].secret})' : ''
    Alerting__FlyApiToken: secretSettings[4].given ? '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${secretSettings[4].secret})' : ''
    Alerting__QueryToken: secretSettings[5].given ? '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${secretSettings[5].secret})' : ''
    Alerting__AcsConnectionString: secretSettings[6].given ? '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${secretSettings[6].secret})' : ''
    Alerting__AcsSmsFrom: acsSmsFrom
    Alerting__RemoteWriteToken: secretSettings[7].given ? '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${secretSettings[7].secret})' : ''
  }
}

output functionAppName string = app.name
output functionAppUrl string = 'https://${app.properties.defaultHostName}'
output storageAccountName string = storage.name
output configContainer string = configContainerName
output keyVaultName string = vault.name
output applicationInsightsName string = insights.name
