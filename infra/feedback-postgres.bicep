// The deployment's feedback store: an Azure Database for PostgreSQL flexible server with the `feedback` database,
// which the backend and the trainer share (they get its connection string as ConnectionStrings__feedback).
// azd provisions this module from the app host's manifest (resource `postgres`, type azure.bicep.v0) and passes
// the Key Vault it creates for it; the connection string is kept there as the secret `connectionString`, and the
// container apps read it from the vault. See docs/deployment.md.

@description('Region of the server: the resource group\'s.')
param location string = resourceGroup().location

@description('Key Vault that receives the connection string (azd creates it and passes its name).')
param keyVaultName string

@description('The administrator the services sign in as.')
param administratorLogin string = 'allclassifier'

@secure()
@description('The administrator\'s password: the app host\'s secret input postgres-password.')
param administratorLoginPassword string

@description('The database the services use.')
param databaseName string = 'feedback'

@description('Compute tier; Burstable B1ms carries a lab\'s corrections. Raise it for heavy retraining.')
param skuName string = 'Standard_B1ms'
param skuTier string = 'Burstable'

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: take('allclassifier-${uniqueString(resourceGroup().id)}', 63)
  location: location
  sku: {
    name: skuName
    tier: skuTier
  }
  properties: {
    version: '16'
    administratorLogin: administratorLogin
    administratorLoginPassword: administratorLoginPassword
    authConfig: {
      activeDirectoryAuth: 'Disabled'
      passwordAuth: 'Enabled'
    }
    storage: {
      storageSizeGB: 32
      autoGrow: 'Enabled'
    }
    backup: {
      backupRetentionDays: 7
      geoRedundantBackup: 'Disabled'
    }
    highAvailability: {
      mode: 'Disabled'
    }
  }
}

// Connections only over TLS (the server's default, stated so it cannot drift).
resource requireTls 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2024-08-01' = {
  parent: server
  name: 'require_secure_transport'
  properties: {
    value: 'on'
    source: 'user-override'
  }
}

// The Container Apps environment azd creates has no virtual network: its apps reach the server from Azure's
// addresses. The 0.0.0.0 rule admits Azure services only, never the internet; the password and TLS guard the rest.
// With a virtual network, delete this rule and use private access instead (docs/deployment.md).
resource allowAzureServices 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01' = {
  parent: server
  name: 'AllowAllAzureServicesAndResourcesWithinAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: server
  name: databaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

// Npgsql's form; VerifyFull checks the server's certificate and name against the image's CA bundle.
resource connectionString 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'connectionString'
  properties: {
    value: 'Host=${server.properties.fullyQualifiedDomainName};Port=5432;Database=${database.name};Username=${administratorLogin};Password=${administratorLoginPassword};SSL Mode=VerifyFull'
  }
}

output name string = server.name
output hostName string = server.properties.fullyQualifiedDomainName
