// scan: --as-of 2026-12-01
@description('Azure region of the cluster.')
param location string = resourceGroup().location

resource aks 'Microsoft.ContainerService/managedClusters@2025-05-01' = {
  name: 'aks-prod'
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    kubernetesVersion: '1.32'
    dnsPrefix: 'aks-prod'
    networkProfile: {
      // Retires on 31 March 2028: a note on 2026-12-01.
      networkPlugin: 'kubenet'
      networkPolicy: 'calico'
    }
    agentPoolProfiles: [
      {
        name: 'system'
        mode: 'System'
        count: 3
        vmSize: 'Standard_D4ds_v5'
      }
      {
        // Supported until June 2028: a note.
        name: 'win22'
        mode: 'User'
        count: 3
        vmSize: 'Standard_D4ds_v5'
        osType: 'Windows'
        osSKU: 'Windows2022'
      }
    ]
  }
}

// Retired on 1 March 2026: an error.
resource win19 'Microsoft.ContainerService/managedClusters/agentPools@2025-05-01' = {
  parent: aks
  name: 'win19'
  properties: {
    mode: 'User'
    count: 3
    osType: 'Windows'
    osSKU: 'Windows2019'
  }
}

// Windows Server 2022 on Kubernetes 1.37: refused whatever the date.
resource win22new 'Microsoft.ContainerService/managedClusters/agentPools@2025-05-01' = {
  parent: aks
  name: 'win22new'
  properties: {
    mode: 'User'
    count: 3
    osType: 'Windows'
    osSKU: 'Windows2022'
    orchestratorVersion: '1.37.1'
  }
}
