@description('Azure region of the cluster.')
param location string = resourceGroup().location

@description('Kubernetes version of the spot pool, chosen at deployment.')
param spotVersion string

@description('Kubernetes version of the batch pool: three minors behind by default.')
param batchVersion string = '1.30'

resource aks 'Microsoft.ContainerService/managedClusters@2025-05-01' = {
  name: 'aks-prod'
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    kubernetesVersion: '1.33'
    dnsPrefix: 'aks-prod'
    agentPoolProfiles: [
      {
        name: 'system'
        mode: 'System'
        count: 3
        vmSize: 'Standard_D4ds_v5'
        orchestratorVersion: '1.34'
      }
      {
        // Two minors behind, a patch given: fine.
        name: 'user'
        mode: 'User'
        count: 3
        vmSize: 'Standard_D4ds_v5'
        orchestratorVersion: '1.31.2'
      }
      {
        name: 'legacy'
        mode: 'User'
        count: 3
        vmSize: 'Standard_D4ds_v5'
        orchestratorVersion: '1.30'
      }
      {
        // Computed, and not a version AKS accepts: not judged here.
        name: 'spot'
        mode: 'User'
        count: 3
        vmSize: 'Standard_D4ds_v5'
        orchestratorVersion: spotVersion
      }
      {
        name: 'odd'
        mode: 'User'
        count: 3
        vmSize: 'Standard_D4ds_v5'
        orchestratorVersion: 'v1.20'
      }
    ]
  }
}

resource batchPool 'Microsoft.ContainerService/managedClusters/agentPools@2025-05-01' = {
  parent: aks
  name: 'batch'
  properties: {
    mode: 'User'
    count: 3
    vmSize: 'Standard_D8ds_v5'
    orchestratorVersion: batchVersion
  }
}

resource nextPool 'Microsoft.ContainerService/managedClusters/agentPools@2025-05-01' = {
  parent: aks
  name: 'next'
  properties: {
    mode: 'User'
    count: 3
    vmSize: 'Standard_D8ds_v5'
    orchestratorVersion: '2.0'
  }
}
