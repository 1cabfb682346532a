// scan: --as-of 2023-09-01

// Judged on 2023-09-01 against the AKS calendar as it stood then: 1.27 is supported until
// July 2024 and 1.26 until March 2024 (no finding), 1.24 left community support on 2023-07-31,
// and 1.18 is older than every version in the calendar, whose first, 1.19, ended in 2021.

@description('Azure region of the cluster.')
param location string = resourceGroup().location

@description('Object ID of the Entra group that administers the cluster.')
param adminGroupObjectId string

resource aks 'Microsoft.ContainerService/managedClusters@2023-07-01' = {
  name: 'aks-2023'
  location: location
  sku: {
    name: 'Base'
    tier: 'Standard'
  }
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    kubernetesVersion: '1.27'
    dnsPrefix: 'aks-2023'
    enableRBAC: true
    aadProfile: {
      managed: true
      enableAzureRBAC: true
      adminGroupObjectIDs: [
        adminGroupObjectId
      ]
      tenantID: subscription().tenantId
    }
    disableLocalAccounts: true
    networkProfile: {
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
      networkPolicy: 'calico'
      loadBalancerSku: 'standard'
    }
    autoUpgradeProfile: {
      upgradeChannel: 'patch'
    }
    apiServerAccessProfile: {
      authorizedIPRanges: [
        '203.0.113.0/24'
      ]
    }
    agentPoolProfiles: [
      {
        name: 'system'
        mode: 'System'
        count: 3
        vmSize: 'Standard_D4ds_v5'
        osType: 'Linux'
        availabilityZones: [
          '1'
          '2'
          '3'
        ]
        orchestratorVersion: '1.27.3'
      }
      {
        name: 'batch'
        mode: 'User'
        count: 2
        vmSize: 'Standard_D8ds_v5'
        osType: 'Linux'
        orchestratorVersion: '1.26'
      }
    ]
  }
}

// Left behind on an older minor.
resource legacyPool 'Microsoft.ContainerService/managedClusters/agentPools@2023-07-01' = {
  parent: aks
  name: 'legacy'
  properties: {
    mode: 'User'
    count: 2
    vmSize: 'Standard_D4ds_v5'
    osType: 'Linux'
    orchestratorVersion: '1.24.10'
  }
}

resource ancientPool 'Microsoft.ContainerService/managedClusters/agentPools@2023-07-01' = {
  parent: aks
  name: 'ancient'
  properties: {
    mode: 'User'
    count: 1
    vmSize: 'Standard_D4ds_v5'
    osType: 'Linux'
    orchestratorVersion: '1.18'
  }
}
