// Alerting.Functions on Azure: a Flex Consumption function app (isolated worker, .NET 10), its storage
// account (tables, queues, blobs: the same names the app uses locally on Azurite), Application Insights,
// and a Key Vault for receiver secrets (SMTP password, Slack/PagerDuty keys) referenced from app settings.
// Validate: az bicep build --file infra/main.bicep && az deployment group what-if -g <rg> -f infra/main.bicep

@description('Base name for all resources (lowercase letters and digits).')
@minLength(3)
@maxLength(16)
param name string

param location string = resourceGroup().location

@description('NCRONTAB schedules of the scrape and evaluation timers (six fields, with seconds).')
param scrapeSchedule string = '*/15 * * * * *'
param evaluateSchedule string = '*/15 * * * * *'

@description('Maximum instances Flex Consumption may scale out to.')
param maximumInstanceCount int = 40

var storageName = '${name}st${uniqueString(resourceGroup().id)}'
var deploymentContainer = 'app-package'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: take(storageName, 24)
  location: location
  sku: { name: 'Standard_LRS' }
  kind: 'StorageV2'
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource packageContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainer
}

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${name}-logs'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${name}-ai'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: '${name}-kv'
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: '${name}-plan'
  location: location
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: '${name}-func'
  location: location
  kind: 'functionapp,linux'
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
          authentication: { type: 'SystemAssignedIdentity' }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: 2048
      }
      runtime: { name: 'dotnet-isolated', version: '10.0' }
    }
    siteConfig: {
      appSettings: [
        // Connection string auth keeps Tables/Queues/Blobs clients identical to the local (Azurite) setup.
        { name: 'AzureWebJobsStorage', value: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}' }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
        { name: 'ScrapeSchedule', value: scrapeSchedule }
        { name: 'EvaluateSchedule', value: evaluateSchedule }
        { name: 'Alerting__ScrapeConfigPath', value: 'rules/scrape.yml' }
        { name: 'Alerting__RuleFiles', value: 'rules/*.rules.yml' }
        { name: 'Alerting__AlertmanagerConfigPath', value: 'rules/alertmanager.yml' }
        { name: 'Alerting__DefaultTemplatesPath', value: 'rules/templates' }
        { name: 'Alerting__ExternalUrl', value: 'https://${name}-func.azurewebsites.net' }
        { name: 'Alerting__QueueDelayFactor', value: '1' }
        { name: 'KEY_VAULT_URI', value: vault.properties.vaultUri }
      ]
    }
  }
}

// The app reads deployment packages and its own data with its managed identity.
var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource blobRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, app.id, storageBlobDataOwner)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwner)
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource vaultRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, app.id, keyVaultSecretsUser)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

output functionAppName string = app.name
output storageAccountName string = storage.name
output keyVaultUri string = vault.properties.vaultUri
